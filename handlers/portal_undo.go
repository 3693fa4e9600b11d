package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/locale"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
)

// Undo: whatever a payer stops, it can start again from the page where it
// sees the effect.

// unmuteVendor answers POST /portal/vendors/:id/unmute and goes back to the
// page the payer came from (an invoice, the inbox or settings).
func (s *Server) unmuteVendor(c *gin.Context) {
	s.setMute(c, s.payers.UnmuteVendor, "/portal", "unmute")
}

// resumeReminders answers POST /portal/resume: the pause ends now.
func (s *Server) resumeReminders(c *gin.Context) {
	if err := s.payers.Resume(c.Request.Context(), payerID(c)); err != nil {
		s.fail(c, err)
		return
	}
	seeOther(c, backTo(c.PostForm("back"), "/portal")+"?done=resume")
}

// backTo is where a form posted from several pages returns: one of the
// portal pages that hold it, else def (never an address from elsewhere).
func backTo(back, def string) string {
	if back == "/portal/settings" {
		return back
	}
	if rest, ok := strings.CutPrefix(back, "/portal/invoices/"); ok {
		if _, err := strconv.ParseInt(rest, 10, 64); err == nil {
			return back
		}
	}
	return def
}

// formAddress answers GET on an invoice form's address (a reload, a pasted
// URL): the invoice page with that form open.
func (s *Server) formAddress(c *gin.Context) {
	inv, ok := s.invoiceParam(c)
	if !ok {
		return
	}
	form := map[string]string{"questions": "ask", "disputes": "dispute", "promise": "promise"}[c.FullPath()[strings.LastIndex(c.FullPath(), "/")+1:]]
	c.Redirect(http.StatusSeeOther, "/portal/invoices/"+strconv.FormatInt(inv.InvoiceID, 10)+"?do="+form+"#"+form)
}

// signOutConfirm answers GET /portal/signout: what signing out everywhere
// does, and the button that does it.
func (s *Server) signOutConfirm(c *gin.Context) {
	s.renderPortal(c, http.StatusOK, "signout", portalPage{Title: "Sign out everywhere?"})
}

// signedOut answers GET /portal/signed-out, outside the session: how to get
// back in.
func (s *Server) signedOut(c *gin.Context) {
	s.renderPortal(c, http.StatusOK, "signedout", portalPage{Title: "You are signed out everywhere"})
}

// pausedUntil is the last day of the payer's pause as the payer reads it,
// or "" when reminders are not paused.
func pausedUntil(p payers.Payer, now time.Time) string {
	if p.PausedUntil == nil || !p.PausedUntil.After(now) {
		return ""
	}
	return locale.Day(p.Locale, civil.Of(p.PausedUntil.In(p.Location()).Add(-time.Nanosecond)))
}

// formatDay is how vendor pages write a day: "1 Dec 2026" (the payer's
// portal writes it in the payer's locale: portalDay).
func formatDay(d civil.Date) string { return locale.Day(locale.Default, d) }

// replyInThread answers POST /portal/invoices/:id/threads/:thread/reply: the
// payer's message goes into that conversation, not a new one.
func (s *Server) replyInThread(c *gin.Context) {
	inv, ok := s.invoiceParam(c)
	if !ok {
		return
	}
	threadID, err := strconv.ParseInt(c.Param("thread"), 10, 64)
	if err != nil {
		s.portalNotFound(c)
		return
	}
	if err = checkForm(c, "body"); err == nil {
		var t threads.Thread
		t, err = s.threads.PayerReply(c.Request.Context(), payerID(c), threadID, c.PostForm("body"))
		if err == nil && (t.InvoiceID == nil || *t.InvoiceID != inv.InvoiceID) {
			err = payers.ErrNotFound // the thread is the payer's, but of another invoice
		}
	}
	if err != nil {
		s.formFailed(c, err, func(ve *vendors.ValidationError) {
			f := refusedForm(c, "reply", ve, map[string]string{"body": "Your reply"})
			f.Thread = threadID
			for i := range f.Summary {
				f.Summary[i].Anchor = "r-body-" + strconv.FormatInt(threadID, 10)
			}
			s.showInvoice(c, http.StatusUnprocessableEntity, inv, "", f)
		})
		return
	}
	seeOther(c, "/portal/invoices/"+strconv.FormatInt(inv.InvoiceID, 10)+"?done=reply#thread-"+strconv.FormatInt(threadID, 10))
}

// answerAddress is where an answer email's link lands: the invoice's
// conversation the vendor wrote in last, or the invoice page.
func (s *Server) answerAddress(ctx context.Context, payerID, invoiceID int64) string {
	page := "/portal/invoices/" + strconv.FormatInt(invoiceID, 10)
	threads, err := s.threads.ThreadsOfInvoice(ctx, payerID, invoiceID)
	if err != nil {
		return page + "#history"
	}
	var latest int64
	var at time.Time
	for _, t := range threads {
		for _, m := range t.Messages {
			if m.Author == "vendor" && !m.CreatedAt.Before(at) {
				latest, at = t.ID, m.CreatedAt
			}
		}
	}
	if latest == 0 {
		return page + "#history"
	}
	return page + "#thread-" + strconv.FormatInt(latest, 10)
}
