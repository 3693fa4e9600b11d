package handlers

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/payers"
)

// Late-payment reasons (issue 12): the portal asks once, optionally and in
// one click, with the taxonomy of payers.LateReasons — on an invoice a week
// overdue, right after a promise to pay after the due date, and right after
// a payment reported as made after it — and the vendor may tag a reason on
// its thread page.

// lateInvoice is one invoice the portal asks about.
type lateInvoice struct {
	ID                  int64
	Number, Vendor, Due string
	Others              []int64 // the other invoices still asked about, where the answer returns
}

type lateReasonsData struct {
	Invoices []lateInvoice
	Reasons  []payers.LateReason
}

// askLate decides whether the invoice page asks why the payment is late: on
// an invoice a week overdue, or on landing after a promise to pay after the
// due date; never once the payer answered.
func (s *Server) askLate(c *gin.Context, inv payers.InvoiceDetail, d *invoiceData) error {
	d.LateReasons = payers.LateReasons
	d.LatePromise = c.Query("done") == "promise" && inv.HoldKind == payers.HoldPromise && inv.PromisedFor.After(inv.DueDate)
	if !d.Open || (d.DaysOverdue < payers.LateReasonAskDays && !d.LatePromise) {
		return nil
	}
	open, err := s.payers.Unanswered(c.Request.Context(), payerID(c), []int64{inv.InvoiceID})
	d.AskLate = len(open) == 1
	return err
}

// giveLateReason answers POST /portal/invoices/:id/late-reason. From the
// page that follows a payment report (from=payment) it returns there for
// the invoices still asked about.
func (s *Server) giveLateReason(c *gin.Context) {
	inv, ok := s.invoiceParam(c)
	if !ok {
		return
	}
	if err := s.payers.GiveLateReason(c.Request.Context(), payerID(c), inv.InvoiceID, c.PostForm("reason")); err != nil {
		s.actionFailed(c, inv, "", err, nil)
		return
	}
	if c.PostForm("from") == "payment" {
		var others []int64
		for _, raw := range c.PostFormArray("invoice") {
			if id, err := strconv.ParseInt(raw, 10, 64); err == nil && id != inv.InvoiceID {
				others = append(others, id)
			}
		}
		seeOther(c, lateReasonsURL(others, "late_reason"))
		return
	}
	seeOther(c, "/portal/invoices/"+strconv.FormatInt(inv.InvoiceID, 10)+"?done=late_reason")
}

// lateReasonsURL is the page asking about invoices paid late.
func lateReasonsURL(ids []int64, done string) string {
	q := url.Values{"done": {done}}
	for _, id := range ids {
		q.Add("invoice", strconv.FormatInt(id, 10))
	}
	return "/portal/late-reasons?" + q.Encode()
}

// lateReasonsPage answers GET /portal/late-reasons?invoice=ID…: after a
// payment report, the invoices it paid after their due date that the payer
// has not said why about. With none left it goes on to the inbox.
func (s *Server) lateReasonsPage(c *gin.Context) {
	ctx, payer := c.Request.Context(), payerID(c)
	var ids []int64
	for _, raw := range c.QueryArray("invoice") {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			s.portalNotFound(c)
			return
		}
		ids = append(ids, id)
	}
	late, err := s.payers.PaidLate(ctx, payer, ids)
	if err != nil {
		s.fail(c, err)
		return
	}
	done := c.Query("done")
	if done != "payment" {
		done = "late_reason"
	}
	if len(late) == 0 {
		c.Redirect(http.StatusSeeOther, "/portal?done="+done)
		return
	}
	d := lateReasonsData{Reasons: payers.LateReasons}
	for _, id := range late {
		inv, err := s.payers.Invoice(ctx, payer, id)
		if err != nil {
			s.fail(c, err)
			return
		}
		others := make([]int64, 0, len(late)-1)
		for _, o := range late {
			if o != id {
				others = append(others, o)
			}
		}
		d.Invoices = append(d.Invoices, lateInvoice{ID: id, Number: inv.Number, Vendor: inv.VendorName, Due: portalDay(c, inv.DueDate), Others: others})
	}
	s.renderPortal(c, http.StatusOK, "late_reasons", portalPage{Title: "Why was the payment late?", Data: d})
}

// vendorTagLateReason answers POST /vendor/threads/:id/late-reason.
func (s *Server) vendorTagLateReason(c *gin.Context) {
	id, ok := s.vendorThreadID(c)
	if !ok {
		return
	}
	if err := s.payers.TagLateReason(c.Request.Context(), member(c).VendorID, id, c.PostForm("reason")); err != nil {
		s.vendorActionFailed(c, id, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/vendor/threads/"+strconv.FormatInt(id, 10)+"?done=late_reason")
}
