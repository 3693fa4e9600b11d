package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/money"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// threadView is one question or dispute as the payer sees it.
type threadView struct {
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
	Number, VendorName, Domain, Status string
	Hold, Remaining, AmountDue         string
	RemainingNumber, Currency          string
	Issued, Due, Memo, PDFURL, PayURL  string
	DaysOverdue                        int
	Open                               bool
	Do                                 string
	Today, PromiseMax                  string
	Reasons                            []reasonOption
	Threads                            []threadView

	// AskLate offers LateReasons when the invoice is a week overdue (issue 12).
	AskLate     bool
	LateReasons []reasonOption
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
	today, err := s.payerToday(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	d := invoiceData{
		ID: inv.InvoiceID, VendorID: inv.VendorID, Number: inv.Number, VendorName: inv.VendorName, Domain: inv.VendorDomain,
		Status: inv.Status, Hold: holdLabel(inv.OpenInvoice), Currency: inv.Currency,
		Remaining: money.Format(inv.AmountRemaining, inv.Currency), AmountDue: money.Format(inv.AmountDue, inv.Currency),
		RemainingNumber: money.FormatNumber(inv.AmountRemaining, inv.Currency),
		Issued:          inv.IssueDate.String(), Due: inv.DueDate.String(), Memo: inv.Memo, PDFURL: inv.PDFURL, PayURL: inv.PayURL,
		DaysOverdue: inv.DueDate.DaysUntil(today),
		Open:        inv.Status == vendors.StatusOpen && inv.AmountRemaining > 0,
		Do:          c.Query("do"),
		Today:       today.AddDays(1).String(), PromiseMax: today.AddDays(PromiseWindow).String(),
		Reasons: disputeReasons,
	}
	// Issue 12: a week overdue, the payer may say in one click why.
	d.AskLate = d.Open && d.DaysOverdue >= payers.LateReasonAskDays
	d.LateReasons = lateReasonOptions
	if s.invoiceThreads != nil {
		threads, err := s.invoiceThreads(c.Request.Context(), payerID(c), inv.InvoiceID)
		if err != nil {
			s.fail(c, err)
			return
		}
		d.Threads = threads
	}
	s.renderPortal(c, status, "invoice", portalPage{Title: "Invoice " + inv.Number, Error: formError, Data: d})
}

// disputeReasons is the fixed taxonomy of DESIGN.md.
var disputeReasons = []reasonOption{
	{"pricing", "Pricing is wrong"}, {"quantity", "Quantity is wrong"}, {"quality", "Goods damaged or poor quality"},
	{"not_received", "Goods or services not received"}, {"duplicate", "Duplicate invoice"},
	{"already_paid", "Already paid"}, {"credit_not_applied", "A credit was not applied"}, {"tax", "Tax is wrong"},
	{"other", "Other"},
}
