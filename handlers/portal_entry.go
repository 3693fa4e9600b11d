package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/links"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// linkEntry answers GET /l/:token. A valid link opens a session for its
// payer (a signed cookie: nothing is stored, so a mail scanner following the
// link changes nothing) and redirects to a clean URL without the token.
func (s *Server) linkEntry(c *gin.Context) {
	claims, err := s.links.Parse(c.Param("token"))
	if err == nil && claims.Action != links.ActionUnsubscribe {
		err = s.notRevoked(c.Request.Context(), claims.PayerID(), claims.Generation)
	}
	if err != nil {
		s.renderPortal(c, http.StatusNotFound, "expired", portalPage{Title: "This link has expired"})
		return
	}
	if claims.Action == links.ActionUnsubscribe {
		s.renderPortal(c, http.StatusOK, "unsubscribe", portalPage{Title: "Unsubscribe"})
		return
	}
	s.issueSession(c, claims.PayerID(), claims.Generation)
	to := "/portal"
	switch claims.Action {
	case links.ActionPreferences:
		to = "/portal/settings"
	case links.ActionReplies:
		to = "/portal/replies"
	case links.ActionApplyCredit:
		to = fmt.Sprintf("/portal/invoices/%d/credit", claims.InvoiceID)
	case links.ActionPay:
		to = fmt.Sprintf("/portal/invoices/%d?do=%s", claims.InvoiceID, claims.Action)
	case links.ActionAnswer:
		to = s.answerAddress(c.Request.Context(), claims.PayerID(), claims.InvoiceID)
	case links.ActionAsk, links.ActionDispute, links.ActionPromise:
		// The fragment brings the form into view on a phone.
		to = fmt.Sprintf("/portal/invoices/%d?do=%s#%s", claims.InvoiceID, claims.Action, claims.Action)
	}
	c.Redirect(http.StatusSeeOther, to)
}

// shortEntry answers GET /s/:token, the SMS link. A link made before the
// payer signed out everywhere resolves to nothing.
func (s *Server) shortEntry(c *gin.Context) {
	link, err := s.payers.ResolveShortLink(c.Request.Context(), c.Param("token"), s.now())
	if errors.Is(err, payers.ErrNotFound) {
		s.renderPortal(c, http.StatusNotFound, "expired", portalPage{Title: "This link has expired"})
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.issueSession(c, link.PayerID, link.Generation)
	c.Redirect(http.StatusSeeOther, "/portal")
}

// notRevoked refuses a link made under an older token generation than the
// payer's: the payer signed out everywhere since.
func (s *Server) notRevoked(ctx context.Context, payerID, generation int64) error {
	p, err := s.payers.Get(ctx, payerID)
	if err != nil {
		return err
	}
	if p.TokenGeneration != generation {
		return links.ErrInvalid
	}
	return nil
}

// unsubscribe answers POST /l/:token for an unsubscribe link: the RFC 8058
// one-click form mail clients send, and the confirmation button. It needs
// no session and no CSRF token: the signed link is the authority.
func (s *Server) unsubscribe(c *gin.Context) {
	claims, err := s.links.Parse(c.Param("token"))
	if err != nil || claims.Action != links.ActionUnsubscribe {
		s.renderPortal(c, http.StatusNotFound, "expired", portalPage{Title: "This link has expired"})
		return
	}
	channel := claims.Channel
	if channel == "" {
		channel = "email"
	}
	ctx := c.Request.Context()
	if err := s.payers.Unsubscribe(ctx, claims.PayerID(), claims.DigestID, channel); err != nil {
		s.fail(c, err)
		return
	}
	// The way back is a link to settings, opening a session only for a link
	// the payer has not revoked by signing out everywhere since.
	settings := "/portal/settings"
	if s.notRevoked(ctx, claims.PayerID(), claims.Generation) == nil {
		p, err := s.payers.Get(ctx, claims.PayerID())
		if err == nil {
			if u, err := s.links.URL(links.Link{PayerID: p.ID, Generation: p.TokenGeneration, Action: links.ActionPreferences}); err == nil {
				settings = u
			}
		}
	}
	s.renderPortal(c, http.StatusOK, "unsubscribe", portalPage{Title: "You are unsubscribed",
		Data: unsubscribedView{Channel: map[string]string{"email": "email", "sms": "text message"}[channel], SettingsURL: settings}})
}

// unsubscribedView is the page after unsubscribing (issue 13).
type unsubscribedView struct {
	Channel     string // "email" or "text message"
	SettingsURL string
}

// freshLink answers POST /portal/fresh-link: it emails a new inbox link to
// an address that receives reminders, and answers the same whether or not
// it does, so the form reveals nothing about who is on the network.
func (s *Server) freshLink(c *gin.Context) {
	var ve *vendors.ValidationError
	if errors.As(checkForm(c), &ve) {
		// Said of the text itself: it reveals nothing about who is on the network.
		s.renderPortal(c, http.StatusUnprocessableEntity, "expired", portalPage{Title: "Email me a fresh link",
			Error: theFields(ve)})
		return
	}
	email, err := vendors.NormalizeEmail(c.PostForm("email"))
	if err == nil {
		if p, err := s.payers.FindByEmail(c.Request.Context(), email); err == nil {
			if err := s.mailLink(c.Request.Context(), p.ID, email); err != nil {
				s.log.Error("send fresh link", "err", err)
			}
		}
	}
	s.renderPortal(c, http.StatusOK, "message", portalPage{Title: "Check your inbox",
		Data: "If this address receives reminders on duehub, a fresh link is on its way. It is valid for 30 days."})
}

func (s *Server) mailLink(ctx context.Context, payerID int64, to string) error {
	p, err := s.payers.Get(ctx, payerID)
	if err != nil {
		return err
	}
	url, err := s.links.URL(links.Link{PayerID: payerID, Generation: p.TokenGeneration, Action: links.ActionInbox})
	if err != nil {
		return err
	}
	_, err = s.mailer.Send(ctx, notify.Message{
		ID: fmt.Sprintf("link-%d-%d", payerID, s.now().UnixNano()), Channel: notify.Email, To: []string{to},
		From: s.mailFrom, Subject: "Your duehub link",
		Text: "Here is a fresh link to every invoice you owe on duehub. It is valid for 30 days:\n\n" + url +
			"\n\nIf you did not ask for it, you can ignore this email.\n",
	})
	return err
}

// signOutEverywhere answers POST /portal/signout: every link and session of
// the payer, this one included, stops working.
func (s *Server) signOutEverywhere(c *gin.Context) {
	if err := s.payers.RevokeAll(c.Request.Context(), payerID(c)); err != nil {
		s.fail(c, err)
		return
	}
	s.clearSession(c)
	seeOther(c, "/portal/signed-out")
}

// sendCode emails a one-time code to the payer's AP inbox (its "to" contacts).
func (s *Server) sendCode(ctx context.Context, payerID int64, purpose string) error {
	code, err := s.payers.IssueCode(ctx, payerID, purpose)
	if err != nil {
		return err
	}
	rcpt, err := s.payers.Recipients(ctx, payerID)
	if err != nil {
		return err
	}
	if len(rcpt.To) == 0 {
		return errors.New("handlers: the payer has no AP inbox to send a code to")
	}
	_, err = s.mailer.Send(ctx, notify.Message{
		ID: fmt.Sprintf("code-%d-%d", payerID, s.now().UnixNano()), Channel: notify.Email, To: rcpt.To,
		From: s.mailFrom, Subject: "Your duehub code: " + code,
		Text: "Your one-time code is " + code + ". It is valid for 10 minutes.\n\n" +
			"Someone asked for it in your duehub inbox (" + strings.ReplaceAll(purpose, "_", " ") + "). If it was not you, ignore this email.\n",
	})
	return err
}
