package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/payers"
)

func TestVendorConfirmsReportedPayment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north, contoso := h.vendor("Northwind Supplies"), h.vendor("Contoso Paper")
		key := h.apiKey(north)
		api := h.api()
		const acme = "ap@acme.example"
		n1 := h.invoice(north, "N-1", acme, 10000, "2026-11-20")
		n2 := h.invoice(north, "N-2", acme, 7000, "2026-11-25")
		c1 := h.invoice(contoso, "C-1", acme, 20000, "2026-11-30")
		b := h.signIn(acme)
		r := b.post("/portal/payments", url.Values{
			"invoice": {itoa(n1), itoa(n2), itoa(c1)}, "amount[" + itoa(n1) + "]": {"40.00"},
			"amount[" + itoa(n2) + "]": {"70.00"}, "amount[" + itoa(c1) + "]": {"200.00"},
			"method": {"bank_transfer"}, "reference": {"WIRE 2026-11-22"}, "paid_on": {"2026-11-22"},
		}, "/portal/payments/new")
		if r.status != http.StatusSeeOther {
			t.Fatalf("report: %d %s", r.status, r.body)
		}
		if n := strings.Count(b.get("/portal").body, "Payment reported"); n != 3 {
			t.Fatalf("%d invoices on hold for the reported payment, want 3", n)
		}

		var list paymentList
		api.do("GET", "/v1/payments?status=pending", key, nil).json(t, &list)
		if len(list.Data) != 1 {
			t.Fatalf("pending payments: %+v", list)
		}
		p := list.Data[0]
		if p.Status != "pending" || p.Amount != 11000 || p.Currency != "USD" || p.Method != "bank_transfer" ||
			p.Reference != "WIRE 2026-11-22" || p.PaidOn != "2026-11-22" || p.ConfirmedAt != nil || len(p.Invoices) != 2 ||
			p.Invoices[0] != (paymentInvoiceJSON{ExternalID: "N-1", Number: "N-1", Amount: 4000}) || p.Invoices[1].ExternalID != "N-2" {
			t.Fatalf("payment: %+v", p)
		}

		var confirmed paymentJSON
		r2 := api.do("POST", fmt.Sprintf("/v1/payments/%d/confirm", p.ID), key, nil)
		r2.json(t, &confirmed)
		if r2.status != 200 || confirmed.Status != "confirmed" || confirmed.ConfirmedAt == nil || !confirmed.ConfirmedAt.Equal(h.now) {
			t.Fatalf("confirm: %d %s", r2.status, r2.body)
		}
		inbox := b.get("/portal").body
		if n := strings.Count(inbox, "Payment reported"); n != 1 {
			t.Errorf("%d invoices still held after Northwind confirmed, want only Contoso's", n)
		}
		if got := h.events(north); got[len(got)-1] != payers.EventPaymentConfirmed {
			t.Errorf("events: %v", got)
		}

		// Again, with {}: the same answer, no second event.
		events := len(h.events(north))
		if r := api.do("POST", fmt.Sprintf("/v1/payments/%d/confirm", p.ID), key, map[string]any{}); r.status != 200 {
			t.Errorf("confirming again: %d %s", r.status, r.body)
		}
		if len(h.events(north)) != events {
			t.Error("confirming again wrote another event")
		}
		api.do("GET", "/v1/payments?status=confirmed", key, nil).json(t, &list)
		if len(list.Data) != 1 || list.Data[0].ID != p.ID {
			t.Errorf("confirmed payments: %+v", list.Data)
		}

		pr := api.do("POST", fmt.Sprintf("/v1/payments/%d/confirm", p.ID), key, map[string]any{"received": true}).problem(t, 422)
		fieldMessage(t, pr.Errors, "received")
		pr = api.do("GET", "/v1/payments?status=lost", key, nil).problem(t, 422)
		fieldMessage(t, pr.Errors, "status")
		api.do("POST", "/v1/payments/999999/confirm", key, nil).problem(t, 404)
		api.do("POST", "/v1/payments/abc/confirm", key, nil).problem(t, 404)
	})
}
