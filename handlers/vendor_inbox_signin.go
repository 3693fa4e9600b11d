package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/vendors"
)

// Members sign in with a magic link (signin_link.go), signed with a key of
// its own, for its own audience, so that neither a payer's digest link nor
// a session cookie nor an operator's link can pass for it. A member's link
// also names the member's vendor.

var vendorSigninSurface = signinSurface{
	home: "/vendor", signin: "/vendor/signin", title: "Sign in to your team's inbox",
	audience: "duehub-vendor-signin", keyPurpose: "vendor-signin-link", cookie: "duehub_vendor_signin",
	render: func(s *Server, c *gin.Context, status int, page string, v signinView) {
		s.renderVendor(c, status, page, vendorPage{Title: v.Title, CSRF: v.CSRF, Error: v.Error, Data: v.Data})
	},
	clearSession: (*Server).clearVendorSession,
	gone: func(err error) bool {
		return errors.Is(err, vendors.ErrNotFound) || errors.Is(err, vendors.ErrSignInUsed)
	},
	posted: postedCSRF,
}

// signinURL signs a link for the member.
func (s *Server) signinURL(m vendors.Member) (string, error) {
	return s.signLink(vendorSigninSurface, m.ID, m.VendorID)
}

// parseSignin checks a link strictly and returns the active member it signs
// in. Used and unknown links, and those of disabled members, are
// vendors.ErrNotFound.
func (s *Server) parseSignin(ctx context.Context, token string) (signinClaims, vendors.Member, error) {
	c, err := s.parseLink(vendorSigninSurface, token)
	if err != nil {
		return signinClaims{}, vendors.Member{}, vendors.ErrNotFound
	}
	m, err := s.vendors.SessionMember(ctx, c.subjectID())
	if err != nil {
		return signinClaims{}, vendors.Member{}, err
	}
	if !m.Active() || m.VendorID != c.VendorID {
		return signinClaims{}, vendors.Member{}, vendors.ErrNotFound
	}
	used, err := s.vendors.SignInUsed(ctx, c.ID)
	if err != nil {
		return signinClaims{}, vendors.Member{}, err
	}
	if used {
		return signinClaims{}, vendors.Member{}, vendors.ErrNotFound
	}
	return c, m, nil
}

// signinPage answers GET /vendor/signin.
func (s *Server) signinPage(c *gin.Context) {
	if _, ok := s.readVendorSession(c); ok {
		c.Redirect(http.StatusSeeOther, "/vendor")
		return
	}
	s.renderVendor(c, http.StatusOK, "signin", vendorPage{Title: "Sign in to your team's inbox"})
}

// requestSignin answers POST /vendor/signin: it emails a link to each team
// the address is an active member of, and answers the same whether or not
// it is one.
func (s *Server) requestSignin(c *gin.Context) {
	var ve *vendors.ValidationError
	if errors.As(checkForm(c), &ve) {
		// Said of the text itself: it reveals nothing about who is a member.
		s.renderVendor(c, http.StatusUnprocessableEntity, "signin", vendorPage{Title: "Sign in to your team's inbox",
			Error: theFields(ve)})
		return
	}
	email, err := vendors.NormalizeEmail(c.PostForm("email"))
	if err == nil {
		if err := s.mailSignin(c.Request.Context(), email); err != nil {
			s.log.Error("send vendor sign-in link", "err", err)
		}
	}
	s.renderVendor(c, http.StatusOK, "message", vendorPage{Title: "Check your inbox",
		Data: "If this address is on a team that uses duehub, a sign-in link is on its way. It works once, within 15 minutes."})
}

func (s *Server) mailSignin(ctx context.Context, email string) error {
	ms, err := s.vendors.ActiveMembersByEmail(ctx, email)
	if err != nil || len(ms) == 0 {
		return err
	}
	var b strings.Builder
	b.WriteString("Here is your link to sign in to duehub. It works once, within 15 minutes.\n\n")
	for _, m := range ms {
		v, err := s.vendors.GetVendor(ctx, m.VendorID)
		if err != nil {
			return err
		}
		url, err := s.signinURL(m)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s:\n%s\n\n", v.Name, url)
	}
	b.WriteString("If you did not ask for it, you can ignore this email.\n")
	return s.mailMember(ctx, email, "Your duehub sign-in link", b.String())
}

// mailInvitation tells a new member how to sign in; by names the admin who
// invited them ("" for an invitation through the API).
func (s *Server) mailInvitation(ctx context.Context, m vendors.Member, by string) error {
	v, err := s.vendors.GetVendor(ctx, m.VendorID)
	if err != nil {
		return err
	}
	url, err := s.signinURL(m)
	if err != nil {
		return err
	}
	who := "You are on"
	if by != "" {
		who = by + " added you to"
	}
	text := fmt.Sprintf("%s the %s team on duehub, as %s: your customers' questions and disputes reach you there.\n\n"+
		"Sign in with this link (it works once, within 15 minutes):\n%s\n\n"+
		"Later, ask for a new link at %s/vendor/signin\n", who, v.Name, m.Role, url, s.publicURL)
	return s.mailMember(ctx, m.Email, "You are on the "+v.Name+" team on duehub", text)
}

func (s *Server) mailMember(ctx context.Context, to, subject, text string) error {
	if s.mailer == nil {
		return errors.New("handlers: no mailer configured")
	}
	_, err := s.mailer.Send(ctx, notify.Message{
		ID: fmt.Sprintf("member-%d", s.now().UnixNano()), Channel: notify.Email, To: []string{to},
		From: s.mailFrom, Subject: subject, Text: text,
	})
	return err
}

// signinConfirm answers GET /vendor/signin/:token with a button that signs
// in; it changes nothing stored.
func (s *Server) signinConfirm(c *gin.Context) {
	ctx := c.Request.Context()
	_, m, err := s.parseSignin(ctx, c.Param("token"))
	if err != nil {
		s.signinFailed(c, err)
		return
	}
	v, err := s.vendors.GetVendor(ctx, m.VendorID)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.confirmLink(c, vendorSigninSurface, "Sign in to "+v.Name, signinData{VendorName: v.Name, Email: m.Email})
}

// signin answers POST /vendor/signin/:token: it spends the link and opens
// the member's session.
func (s *Server) signin(c *gin.Context) {
	s.spendLink(c, vendorSigninSurface, func(ctx context.Context, token string) (func(), error) {
		claims, m, err := s.parseSignin(ctx, token)
		if err == nil {
			err = s.vendors.UseSignIn(ctx, m.ID, claims.ID, claims.ExpiresAt.Time)
		}
		return func() { s.issueVendorSession(c, m) }, err
	})
}

func (s *Server) signinFailed(c *gin.Context, err error) { s.linkFailed(c, vendorSigninSurface, err) }

// vendorSignout answers POST /vendor/signout: it ends the member's
// sessions server side, so a copy of the cookie opens nothing either.
func (s *Server) vendorSignout(c *gin.Context) {
	if err := s.vendors.EndSessions(c.Request.Context(), member(c).ID); err != nil {
		s.fail(c, err)
		return
	}
	s.clearVendorSession(c)
	c.Redirect(http.StatusSeeOther, "/vendor/signin")
}
