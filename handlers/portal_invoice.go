package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/locale"
	"github.com/duehub/duehub/money"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
)

// threadView is one question or dispute as the payer sees it.
type threadView struct {
	ID                   int64
	Kind, StateCode      string
	Reason               string
	Title, State, Opened string
	Messages             []messageView
}

type messageView struct {
	Who, At, Body string
	FromVendor    bool
}

type reasonOption struct{ Code, Label string }

type invoiceData struct {
	ID, VendorID                       int64
	Logo, Accent                       string // the vendor's branding (issue 15)
	Number, VendorName, Domain, Status string
	Hold, Remaining, AmountDue         string
	RemainingNumber, Currency          string
	Issued, Due, Memo, PDFURL, PayURL  string
	DaysOverdue                        int
	DueStatus                          string // locale.DueStatus: the digest's words
	Open                               bool
	Do                                 string
	Form                               *formState
	Focused                            string // the form shown first, under a one-line summary
	CanCredit, Muted                   bool
	OpenDispute                        bool
	OpenDisputeReason, Promised        string
	Today, PromiseMax                  string
	Reasons                            []reasonOption
	Threads                            []threadView
	Timeline                           []timelineEntry

	// AskLate offers LateReasons when the invoice is a week overdue, or
	// after a promise to pay after the due date (LatePromise), until the
	// payer answered (issue 12, askLate).
	AskLate, LatePromise bool
	LateReasons          []payers.LateReason
	// Answers is the vendor's usual first-reply time ("3 hours"), shown by
	// the conversations; "" when it has none to show (issue 12).
	Answers string
}

// PromiseWindow is how far ahead a payer may promise to pay.
const PromiseWindow = 60

// invoiceParam reads :id and loads that invoice of the session's payer;
// another payer's invoice is a 404 like a missing one.
func (s *Server) invoiceParam(c *gin.Context) (payers.InvoiceDetail, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.portalNotFound(c)
		return payers.InvoiceDetail{}, false
	}
	inv, err := s.payers.Invoice(c.Request.Context(), payerID(c), id)
	if errors.Is(err, payers.ErrNotFound) {
		s.portalNotFound(c)
		return payers.InvoiceDetail{}, false
	}
	if err != nil {
		s.fail(c, err)
		return payers.InvoiceDetail{}, false
	}
	return inv, true
}

func (s *Server) portalNotFound(c *gin.Context) {
	s.renderPortal(c, http.StatusNotFound, "message", portalPage{Title: "Not found",
		Data: "There is nothing here for you: it may belong to another inbox, or it no longer exists."})
	c.Abort()
}

// invoicePage answers GET /portal/invoices/:id.
func (s *Server) invoicePage(c *gin.Context) {
	inv, ok := s.invoiceParam(c)
	if !ok {
		return
	}
	s.renderInvoice(c, http.StatusOK, inv, "")
}

// renderInvoice shows the invoice page, with an error when a form on it failed.
func (s *Server) renderInvoice(c *gin.Context, status int, inv payers.InvoiceDetail, formError string) {
	s.showInvoice(c, status, inv, formError, nil)
}

// showInvoice shows the invoice page; a refused form comes back open with
// what was typed.
func (s *Server) showInvoice(c *gin.Context, status int, inv payers.InvoiceDetail, formError string, form *formState) {
	today, err := s.payerToday(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	d := invoiceData{
		ID: inv.InvoiceID, VendorID: inv.VendorID, Number: inv.Number, VendorName: inv.VendorName, Domain: inv.VendorDomain,
		Status: inv.Status, Hold: holdLabel(inv.OpenInvoice, payerLocale(c)), Currency: inv.Currency,
		Remaining: money.Format(inv.AmountRemaining, inv.Currency), AmountDue: money.Format(inv.AmountDue, inv.Currency),
		RemainingNumber: money.FormatNumber(inv.AmountRemaining, inv.Currency),
		Issued:          portalDay(c, inv.IssueDate), Due: portalDay(c, inv.DueDate), Memo: inv.Memo, PDFURL: inv.PDFURL, PayURL: inv.PayURL,
		DaysOverdue: inv.DueDate.DaysUntil(today), DueStatus: locale.DueStatus(inv.DueDate.DaysUntil(today)),
		Open:  inv.Status == vendors.StatusOpen && inv.AmountRemaining > 0,
		Do:    c.Query("do"),
		Form:  form,
		Today: today.AddDays(1).String(), PromiseMax: today.AddDays(PromiseWindow).String(),
		Reasons: disputeReasons,
	}
	b := s.brandsOf(c.Request.Context(), []int64{inv.VendorID})[inv.VendorID] // issue 15
	d.Logo, d.Accent = b.LogoPath(), b.Accent
	// Issue 12: the payer may say in one click why the payment is late.
	if err := s.askLate(c, inv, &d); err != nil {
		s.fail(c, err)
		return
	}
	if s.invoiceThreads != nil {
		threads, err := s.invoiceThreads(c.Request.Context(), payerID(c), inv.InvoiceID)
		if err != nil {
			s.fail(c, err)
			return
		}
		d.Threads = threads
	}
	usual, err := s.usualAnswerTimes(c.Request.Context(), []int64{inv.VendorID})
	if err != nil {
		s.fail(c, err)
		return
	}
	d.Answers = usual[inv.VendorID]
	if d.Timeline, err = s.invoiceTimeline(c.Request.Context(), payerID(c), inv); err != nil {
		s.fail(c, err)
		return
	}
	for _, t := range d.Threads {
		if t.Kind == threads.ThreadDispute && t.StateCode != threads.ThreadResolved {
			d.OpenDispute, d.OpenDisputeReason = true, t.Reason
		}
	}
	d.Muted = inv.Muted
	if inv.HoldKind == payers.HoldPromise && !inv.PromisedFor.IsZero() {
		d.Promised = portalDay(c, inv.PromisedFor)
	}
	if d.Open {
		credits, err := s.payers.Credits(c.Request.Context(), payerID(c), inv.InvoiceID)
		if err != nil {
			s.fail(c, err)
			return
		}
		d.CanCredit = len(credits) > 0
	}
	if form != nil {
		d.Do = form.Name
	}
	if d.Open && (d.Do == "ask" || d.Do == "dispute" || d.Do == "promise") {
		d.Focused = d.Do
	}
	title := vendors.InvoiceTitle(inv.Number)
	if form != nil {
		title = "Error: " + title // a screen reader hears the failure first
	}
	s.renderPortal(c, status, "invoice", portalPage{Title: title, Error: formError, Data: d})
}

// disputeReasons is the fixed taxonomy of DESIGN.md, in its order.
var disputeReasons = func() []reasonOption {
	out := make([]reasonOption, len(threads.DisputeReasons))
	for i, code := range threads.DisputeReasons {
		out[i] = reasonOption{code, threads.ReasonLabel(code)}
	}
	return out
}()
