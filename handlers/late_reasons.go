package handlers

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
)

// Late-payment reasons (issue 12): one optional click on the portal's
// invoice page, and a tag on the vendor's thread page.

var lateReasonOptions = []reasonOption{
	{"awaiting_approval", "Awaiting approval"}, {"not_received", "Invoice not received"},
	{"po_mismatch", "PO or paperwork mismatch"}, {"awaiting_credit", "Waiting for a credit or correction"},
	{"cash_flow", "Cash flow"}, {"payment_run", "Payment-run timing"}, {"disputed", "Disputed"}, {"other", "Other"},
}

// giveLateReason answers POST /portal/invoices/:id/late-reason.
func (s *Server) giveLateReason(c *gin.Context) {
	inv, ok := s.invoiceParam(c)
	if !ok {
		return
	}
	if err := s.payers.GiveLateReason(c.Request.Context(), payerID(c), inv.InvoiceID, c.PostForm("reason")); err != nil {
		s.actionFailed(c, inv, "", err, nil)
		return
	}
	seeOther(c, "/portal/invoices/"+strconv.FormatInt(inv.InvoiceID, 10)+"?done=late_reason")
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
