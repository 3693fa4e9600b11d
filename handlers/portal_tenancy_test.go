package handlers

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/vendors"
)

// TestPortalRoutesAreScopedByPayer walks every portal route that names an
// object, as payer Y against payer X's objects: each answers 404 and nothing
// of X's changes. The routes come from the router, so a new route is walked
// without this test being edited.
func TestPortalRoutesAreScopedByPayer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		xOnly := h.vendor("Northwind")
		shared := h.vendor("Contoso")
		xInvoice := h.invoice(xOnly, "X-1", "ap@x.example", 100000, "2026-11-20")
		h.invoice(shared, "Y-1", "ap@y.example", 5000, "2026-11-20")
		credit := int64(5000)
		if _, err := h.vendors.PushCredits(context.Background(), xOnly, []vendors.CreditInput{{ExternalID: "CN-X", Currency: "USD",
			Amount: &credit, Customer: vendors.CustomerInput{ExternalID: "C-ap@x.example", Email: "ap@x.example"}}}); err != nil {
			t.Fatal(err)
		}
		xContacts, err := h.payers.Contacts(context.Background(), h.payerID("ap@x.example"))
		if err != nil || len(xContacts) == 0 {
			t.Fatalf("contacts of X: %v", err)
		}
		ids := map[string]string{"/invoices/:id": itoa(xInvoice), "/vendors/:id": itoa(xOnly),
			"/settings/contacts/:id": itoa(xContacts[0].ID)}

		before := snapshot(t, h)
		y := h.signIn("ap@y.example")
		csrf := csrfOf(t, y.get("/portal").body)
		walked := 0
		for _, r := range h.srv.Config.Handler.(*gin.Engine).Routes() {
			if !strings.HasPrefix(r.Path, "/portal/") || !strings.Contains(r.Path, ":id") {
				continue
			}
			path := r.Path
			for prefix, id := range ids {
				if strings.HasPrefix(strings.TrimPrefix(path, "/portal"), prefix) {
					path = strings.Replace(path, ":id", id, 1)
				}
			}
			if strings.Contains(path, ":id") {
				t.Errorf("%s %s: the walk does not know this route's object; add it to ids", r.Method, r.Path)
				continue
			}
			var got webPage
			if r.Method == "GET" {
				got = y.get(path)
			} else {
				got = y.post(path, url.Values{"csrf": {csrf}, "body": {"hi"}, "reason": {"pricing"}, "amount": {"1.00"},
					"note": {"n"}, "date": {"2026-12-01"}, "credit": {"1"}, "code": {"000000"}, "role": {"cc"},
					"action": {"remove"}}, "")
			}
			if got.status != 404 {
				t.Errorf("%s %s as another payer: %d, want 404", r.Method, path, got.status)
			}
			if strings.Contains(got.body, "X-1") || strings.Contains(got.body, "CN-X") || strings.Contains(got.body, "ap@x.example") {
				t.Errorf("%s %s shows payer X's data", r.Method, path)
			}
			walked++
		}
		if walked < 8 {
			t.Fatalf("walked only %d routes", walked)
		}
		if after := snapshot(t, h); after != before {
			t.Fatalf("payer Y changed payer X's data:\nbefore %s\nafter  %s", before, after)
		}
		if evs := h.events(xOnly); len(evs) != 0 {
			t.Fatalf("payer Y caused events for X's vendor: %v", evs)
		}
	})
}

// snapshot summarises what payer actions can change.
func snapshot(t *testing.T, h *portalHub) string {
	var b strings.Builder
	for _, q := range []string{
		"SELECT COUNT(*) FROM threads", "SELECT COUNT(*) FROM holds", "SELECT COUNT(*) FROM credit_applications",
		"SELECT COUNT(*) FROM payer_mutes", "SELECT COUNT(*) FROM payment_reports", "SELECT COUNT(*) FROM payer_contacts",
		"SELECT COALESCE(SUM(amount_remaining), 0) FROM invoices", "SELECT COALESCE(SUM(amount_remaining), 0) FROM credit_notes",
	} {
		var n int64
		if err := h.db.Gorm.Raw(q).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		b.WriteString(itoa(n) + " ")
	}
	return b.String()
}
