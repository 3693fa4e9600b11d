package handlers

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/money"
)

// The portal's "Paid and closed" tab (issue 13): the last 12 months of
// invoices each vendor closed, and the payments each vendor confirmed.

type paidVendor struct {
	ID        int64
	Name      string
	Invoices  []paidLine
	Confirmed []confirmedLine
}

type paidLine struct {
	Number, Amount, Closed, Status string
}

type confirmedLine struct {
	Amount, Confirmed, How string
}

// paidWindow is how far back the tab looks.
const paidWindowDays = 365

// paidPage answers GET /portal/paid.
func (s *Server) paidPage(c *gin.Context) {
	ctx, id := c.Request.Context(), payerID(c)
	p, err := s.payers.Get(ctx, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	loc, now := p.Location(), s.now()
	invs, pays, err := s.payers.PaidAndClosed(ctx, id, civilOf(now, loc).AddDays(-paidWindowDays).In(loc))
	if err != nil {
		s.fail(c, err)
		return
	}
	var vs []*paidVendor
	vendorOf := func(id int64, name string) *paidVendor {
		for _, v := range vs {
			if v.ID == id {
				return v
			}
		}
		vs = append(vs, &paidVendor{ID: id, Name: name})
		return vs[len(vs)-1]
	}
	for _, in := range invs {
		status := "Paid"
		if in.Status == "void" {
			status = "Cancelled by the vendor"
		}
		v := vendorOf(in.VendorID, in.VendorName)
		v.Invoices = append(v.Invoices, paidLine{Number: in.Number, Amount: money.Format(in.AmountDue, in.Currency),
			Closed: portalDay(c, civilOf(in.ClosedAt(), loc)), Status: status})
	}
	for _, r := range pays {
		how := strings.ReplaceAll(r.Method, "_", " ")
		if r.Reference != "" {
			how += " · " + r.Reference
		}
		v := vendorOf(r.VendorID, r.VendorName)
		v.Confirmed = append(v.Confirmed, confirmedLine{Amount: money.Format(r.Amount, r.Currency),
			Confirmed: portalDay(c, civilOf(r.ConfirmedAt, loc)), How: how})
	}
	s.renderPortal(c, http.StatusOK, "paid", portalPage{Title: "Paid and closed", Data: vs})
}
