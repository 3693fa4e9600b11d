package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/locale"
	"github.com/duehub/duehub/money"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
)

// The payer's actions on an invoice, and on its reminders. Each is a POST
// (portalAuth has checked the CSRF token), each is one call into payers,
// and each success redirects so that a reload does not post twice.

// Labels of the form fields, to name them in error messages.
var (
	questionLabels = map[string]string{"body": "Your question"}
	disputeLabels  = map[string]string{"reason": "Reason", "amount": "Disputed amount", "note": "Note"}
	promiseLabels  = map[string]string{"date": "I will pay by", "amount": "Amount"}
	pauseLabels    = map[string]string{"until": "Pause until"}
)

// payInvoice answers POST /portal/invoices/:id/pay: it records the click
// and sends the payer to the vendor's own payment page.
func (s *Server) payInvoice(c *gin.Context) {
	inv, ok := s.invoiceParam(c)
	if !ok {
		return
	}
	to, err := s.payers.PayClicked(c.Request.Context(), payerID(c), inv.InvoiceID)
	if errors.Is(err, payers.ErrNoPayURL) {
		s.renderInvoice(c, http.StatusOK, inv, inv.VendorName+" takes no online payment for this invoice: "+
			"pay them as you usually do (bank transfer, cheque), then report the payment here.")
		return
	}
	if err != nil {
		s.actionFailed(c, inv, "", err, nil)
		return
	}
	c.Header("Referrer-Policy", "no-referrer")
	c.Redirect(http.StatusSeeOther, to)
}

// askQuestion answers POST /portal/invoices/:id/questions.
func (s *Server) askQuestion(c *gin.Context) {
	inv, ok := s.invoiceParam(c)
	if !ok {
		return
	}
	err := checkForm(c, "body")
	if err == nil {
		_, err = s.threads.AskQuestion(c.Request.Context(), payerID(c), inv.InvoiceID, c.PostForm("body"))
	}
	if err != nil {
		s.actionFailed(c, inv, "ask", err, questionLabels)
		return
	}
	seeOther(c, "/portal/invoices/"+strconv.FormatInt(inv.InvoiceID, 10)+"?done=question")
}

// openDispute answers POST /portal/invoices/:id/disputes.
func (s *Server) openDispute(c *gin.Context) {
	inv, ok := s.invoiceParam(c)
	if !ok {
		return
	}
	if err := checkForm(c, "note"); err != nil {
		s.actionFailed(c, inv, "dispute", err, disputeLabels)
		return
	}
	amount, err := money.Parse(c.PostForm("amount"), inv.Currency)
	if err != nil {
		s.actionFailed(c, inv, "dispute", vendors.Invalid("amount", "Enter an amount like "+money.FormatNumber(inv.AmountRemaining, inv.Currency)+"."), disputeLabels)
		return
	}
	_, err = s.threads.OpenDispute(c.Request.Context(), payerID(c), inv.InvoiceID, c.PostForm("reason"), amount, c.PostForm("note"))
	if err != nil {
		s.actionFailed(c, inv, "dispute", err, disputeLabels)
		return
	}
	seeOther(c, "/portal/invoices/"+strconv.FormatInt(inv.InvoiceID, 10)+"?done=dispute")
}

// promiseToPay answers POST /portal/invoices/:id/promise.
func (s *Server) promiseToPay(c *gin.Context) {
	inv, ok := s.invoiceParam(c)
	if !ok {
		return
	}
	if err := checkForm(c); err != nil {
		s.actionFailed(c, inv, "promise", err, promiseLabels)
		return
	}
	date, err := civil.Parse(strings.TrimSpace(c.PostForm("date")))
	if err != nil {
		s.actionFailed(c, inv, "promise", vendors.Invalid("date", "Choose a date like 2026-12-01."), promiseLabels)
		return
	}
	var amount int64
	if a := strings.TrimSpace(c.PostForm("amount")); a != "" {
		if amount, err = money.Parse(a, inv.Currency); err != nil || amount == 0 {
			s.actionFailed(c, inv, "promise", vendors.Invalid("amount", "Enter an amount like "+money.FormatNumber(inv.AmountRemaining, inv.Currency)+
				", or leave it empty for the whole invoice."), promiseLabels)
			return
		}
	}
	if _, err := s.payers.Promise(c.Request.Context(), payerID(c), inv.InvoiceID, date, amount); err != nil {
		s.actionFailed(c, inv, "promise", err, promiseLabels)
		return
	}
	seeOther(c, "/portal/invoices/"+strconv.FormatInt(inv.InvoiceID, 10)+"?done=promise")
}

// actionFailed answers a refused invoice action on the invoice page: 422
// with the same form open, what was typed kept and each error next to its
// field; 409 when the invoice closed meanwhile.
func (s *Server) actionFailed(c *gin.Context, inv payers.InvoiceDetail, form string, err error, labels map[string]string) {
	if errors.Is(err, payers.ErrInvoiceClosed) {
		s.renderInvoice(c, http.StatusConflict, inv, "This invoice is no longer open: there is nothing left to act on.")
		return
	}
	s.formFailed(c, err, func(ve *vendors.ValidationError) {
		if form == "" {
			s.renderInvoice(c, http.StatusUnprocessableEntity, inv, fieldMessages(ve, labels))
			return
		}
		s.showInvoice(c, http.StatusUnprocessableEntity, inv, "", refusedForm(c, form, ve, labels))
	})
}

// formFailed answers a refused portal form: field errors show the form
// again (rerender answers 422), another payer's object is a 404, anything
// else is a server error.
func (s *Server) formFailed(c *gin.Context, err error, rerender func(*vendors.ValidationError)) {
	var ve *vendors.ValidationError
	switch {
	case errors.As(err, &ve):
		rerender(ve)
	case errors.Is(err, payers.ErrNotFound):
		s.portalNotFound(c)
	default:
		s.fail(c, err)
	}
}

// fieldMessages says what is wrong with each field, by its label.
func fieldMessages(ve *vendors.ValidationError, labels map[string]string) string {
	parts := make([]string, len(ve.Fields))
	for i, f := range ve.Fields {
		parts[i] = firstNonEmpty(labels[f.Field], f.Field) + ": " + f.Message
	}
	return strings.Join(parts, " ")
}

// muteVendor answers POST /portal/vendors/:id/mute.
func (s *Server) muteVendor(c *gin.Context) {
	s.setMute(c, s.payers.MuteVendor, "/portal", "mute")
}

// setMute mutes or unmutes (set) the vendor of the path for the payer, then
// goes back to the page given in the form (else to back) with done.
func (s *Server) setMute(c *gin.Context, set func(ctx context.Context, payerID, vendorID int64) error, back, done string) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.portalNotFound(c)
		return
	}
	err = set(c.Request.Context(), payerID(c), id)
	if errors.Is(err, payers.ErrNotFound) {
		s.portalNotFound(c)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	seeOther(c, backTo(c.PostForm("back"), back)+"?done="+done)
}

// pauseReminders answers POST /portal/pause: no reminder at all until the
// end of the chosen day.
func (s *Server) pauseReminders(c *gin.Context) {
	ctx := c.Request.Context()
	p, err := s.payers.Get(ctx, payerID(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	var ve *vendors.ValidationError
	day, err := civil.Parse(strings.TrimSpace(c.PostForm("until")))
	if bad := checkForm(c); bad != nil {
		errors.As(bad, &ve)
	} else if err != nil {
		ve = vendors.Invalid("until", "Choose a date like 2026-12-01.")
	} else if err = s.payers.PauseUntil(ctx, p.ID, p.EndOfDay(day)); err != nil && !errors.As(err, &ve) {
		s.fail(c, err)
		return
	}
	if ve != nil {
		s.renderPortal(c, http.StatusUnprocessableEntity, "message", portalPage{Title: "Reminders were not paused",
			Error: fieldMessages(ve, pauseLabels), Data: "Go back to your invoices and choose another date."})
		return
	}
	seeOther(c, "/portal?done=pause")
}

// threadsOfInvoice is the invoice page's history of questions and disputes.
func (s *Server) threadsOfInvoice(ctx context.Context, payerID, invoiceID int64) ([]threadView, error) {
	list, err := s.threads.ThreadsOfInvoice(ctx, payerID, invoiceID)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	inv, err := s.payers.Invoice(ctx, payerID, invoiceID)
	if err != nil {
		return nil, err
	}
	p, err := s.payers.Get(ctx, payerID)
	if err != nil {
		return nil, err
	}
	loc := p.Location()
	views := make([]threadView, len(list))
	for i, t := range list {
		v := threadView{ID: t.ID, Kind: t.Kind, StateCode: t.State, Reason: t.Reason, Title: "Question", State: stateText[t.State], Opened: locale.Day(p.Locale, civilOf(t.CreatedAt, loc))}
		if t.Kind == threads.ThreadDispute {
			v.Title = "Dispute — " + reasonLabel(t.Reason)
			v.State += " · " + money.Format(t.DisputedAmount, t.Currency) + " disputed"
		}
		for _, m := range t.Messages {
			mv := messageView{Who: "You", At: locale.Moment(p.Locale, m.CreatedAt.In(loc)), Body: m.Body}
			if m.Author == "vendor" {
				mv.Who, mv.FromVendor = inv.VendorName, true
			}
			v.Messages = append(v.Messages, mv)
		}
		views[i] = v
	}
	return views, nil
}

var stateText = map[string]string{threads.ThreadOpen: "Open", threads.ThreadAnswered: "Answered", threads.ThreadResolved: "Resolved"}

func reasonLabel(code string) string {
	for _, r := range disputeReasons {
		if r.Code == code {
			return r.Label
		}
	}
	return code
}
