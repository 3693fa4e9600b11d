package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/money"
)

// Issue 15: the test digests page is the dev outbox of a vendor's test
// mode. Test invoices never reach anyone; here the team sees, per test
// customer, what its digest would list today, built from the same open
// invoice rows as the real digest (payers.OpenInvoices of the sandbox payer).

const sandboxPayersShown = 50

type sandboxDigest struct {
	To, Customer string
	Lines        []sandboxLine
	Due          string
}

type sandboxLine struct {
	Number, Amount, Due, Hold string
	Overdue                   bool
}

// sandboxPage answers GET /vendor/sandbox.
func (s *Server) sandboxPage(c *gin.Context) {
	ctx, m := c.Request.Context(), member(c)
	contacts, err := s.vendors.SandboxContacts(ctx, m.VendorID, sandboxPayersShown)
	if err != nil {
		s.fail(c, err)
		return
	}
	now := s.now()
	today := now.UTC().Format("2006-01-02")
	var out []sandboxDigest
	seen := map[int64]bool{}
	for _, sc := range contacts {
		if seen[sc.PayerID] {
			continue
		}
		seen[sc.PayerID] = true
		open, err := s.payers.OpenInvoices(ctx, sc.PayerID, now)
		if err != nil {
			s.fail(c, err)
			return
		}
		d := sandboxDigest{To: firstNonEmpty(sc.Email, sc.Phone), Customer: firstNonEmpty(sc.Name, sc.ExternalID)}
		due := money.Totals{}
		for _, o := range open {
			l := sandboxLine{Number: o.Number, Amount: money.Format(o.AmountRemaining, o.Currency), Due: formatDay(o.DueDate),
				Hold: o.HoldKind, Overdue: o.DueDate.String() < today}
			if o.HoldKind == "" {
				due.Add(o.Currency, o.AmountRemaining)
			}
			d.Lines = append(d.Lines, l)
		}
		d.Due = due.String()
		if len(d.Lines) > 0 {
			out = append(out, d)
		}
	}
	s.renderVendor(c, http.StatusOK, "sandbox", vendorPage{Title: "Test digests", Data: out})
}
