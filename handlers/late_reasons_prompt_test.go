package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
)

// TestLateReasonAskedOnceAfterLatePromiseOrPayment: the portal asks why,
// once and optionally, right after a promise to pay after the due date and
// right after a payment reported as made after it, with the taxonomy of the
// week-overdue question; a promise within the due date, a payment on time
// and an invoice already answered are not asked about; each answer is the
// payer's reason for that invoice's vendor; another payer's page shows
// nothing of Acme's.
func TestLateReasonAskedOnceAfterLatePromiseOrPayment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db) // Monday 2026-11-23
		north, contoso := h.vendor("Northwind Supplies"), h.vendor("Contoso Paper")
		n1 := h.invoice(north, "N-1", "ap@acme.example", 10000, "2026-11-20")  // 3 days overdue
		n2 := h.invoice(north, "N-2", "ap@acme.example", 20000, "2026-11-30")  // due next week
		n3 := h.invoice(north, "N-3", "ap@acme.example", 30000, "2026-11-10")  // 13 days overdue
		n4 := h.invoice(north, "N-4", "ap@acme.example", 40000, "2026-12-20")  // not due
		c1 := h.invoice(contoso, "C-1", "ap@acme.example", 5000, "2026-11-18") // 5 days overdue
		h.invoice(north, "N-B", "ap@beta.example", 7000, "2026-11-01")
		acme := h.signIn("ap@acme.example")
		page := func(id int64) string { return "/portal/invoices/" + itoa(id) }
		asks := func(body string) bool { return strings.Contains(body, `id="late-reason"`) }

		// A promise after the due date: asked on landing, not later.
		r := acme.post(page(n2)+"/promise", url.Values{"date": {"2026-12-05"}}, page(n2))
		if r.status != http.StatusSeeOther {
			t.Fatalf("promise: %d %s", r.status, r.body)
		}
		landing := acme.get(r.location).body
		if !asks(landing) || !strings.Contains(landing, "you promised a date after the due date") || !strings.Contains(landing, "Payment-run timing") {
			t.Errorf("a promise after the due date is not asked why:\n%s", landing)
		}
		if asks(acme.get(page(n2)).body) {
			t.Error("the invoice page asks again after the promise's landing")
		}
		// A promise within the due date is not asked about.
		r = acme.post(page(n4)+"/promise", url.Values{"date": {"2026-12-10"}}, page(n4))
		if asks(acme.get(r.location).body) {
			t.Error("a promise before the due date is asked why it is late")
		}
		r = acme.post(page(n2)+"/late-reason", url.Values{"reason": {"payment_run"}}, r.location)
		if r.status != http.StatusSeeOther || r.location != page(n2)+"?done=late_reason" {
			t.Fatalf("answer: %d %s", r.status, r.location)
		}
		if body := acme.get(r.location).body; asks(body) || !strings.Contains(body, "the vendor now knows") {
			t.Error("after the answer: no thanks, or asked again")
		}
		if asks(acme.get(page(n2) + "?done=promise").body) {
			t.Error("an answered invoice is asked again")
		}

		// A week overdue: asked until answered, once.
		if !asks(acme.get(page(n3)).body) {
			t.Fatal("an invoice 13 days overdue is not asked why")
		}
		acme.post(page(n3)+"/late-reason", url.Values{"reason": {"awaiting_approval"}}, page(n3))
		if asks(acme.get(page(n3)).body) {
			t.Error("an answered overdue invoice is asked again")
		}

		// A payment made after the due date of N-1 and C-1, on time for N-4.
		r = acme.post("/portal/payments", url.Values{"invoice": {itoa(n1), itoa(c1), itoa(n4)},
			"amount[" + itoa(n1) + "]": {"100.00"}, "amount[" + itoa(c1) + "]": {"50.00"}, "amount[" + itoa(n4) + "]": {"400.00"},
			"method": {"bank_transfer"}, "reference": {"WIRE 7"}, "paid_on": {"2026-11-23"}}, "/portal/payments/new")
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/portal/late-reasons?") {
			t.Fatalf("report: %d %s %s", r.status, r.location, r.body)
		}
		asked := acme.get(r.location)
		if asked.status != http.StatusOK {
			t.Fatalf("late reasons page: %d", asked.status)
		}
		mustContain(t, "after the payment", asked.body, `id="late-reason-`+itoa(n1)+`"`, `id="late-reason-`+itoa(c1)+`"`,
			"Each vendor was told about your payment", "Invoice N-1 from Northwind Supplies", "Invoice C-1 from Contoso Paper", "Cash flow",
			"due 20 Nov 2026") // the payer's date format, as everywhere in the portal
		mustNotContain(t, "after the payment", asked.body, `id="late-reason-`+itoa(n4)+`"`, "due 2026-11-20")
		r = acme.post(page(n1)+"/late-reason", url.Values{"reason": {"cash_flow"}, "from": {"payment"}, "invoice": {itoa(c1)}}, r.location)
		if r.status != http.StatusSeeOther {
			t.Fatalf("answer N-1: %d", r.status)
		}
		next := acme.get(r.location).body
		mustContain(t, "the rest", next, `id="late-reason-`+itoa(c1)+`"`, "the vendor now knows")
		mustNotContain(t, "the rest", next, `id="late-reason-`+itoa(n1)+`"`)
		r = acme.post(page(c1)+"/late-reason", url.Values{"reason": {"not_received"}, "from": {"payment"}}, r.location)
		if last := acme.get(r.location); last.status != http.StatusSeeOther || last.location != "/portal?done=late_reason" {
			t.Errorf("with every invoice answered: %d %s", last.status, last.location)
		}

		// Another payer naming Acme's invoices sees none of them.
		beta := h.signIn("ap@beta.example")
		if r := beta.get("/portal/late-reasons?invoice=" + itoa(n1) + "&invoice=" + itoa(c1)); r.status != http.StatusSeeOther || strings.Contains(r.body, "N-1") {
			t.Errorf("Beta's late reasons page: %d %s", r.status, r.body)
		}
		if r := acme.get("/portal/late-reasons?invoice=x"); r.status != http.StatusNotFound {
			t.Errorf("a damaged id: %d", r.status)
		}
		for inv, want := range map[int64]string{n1: "cash_flow", n2: "payment_run", n3: "awaiting_approval", c1: "not_received"} {
			var got struct {
				Reason   string
				VendorID int64
			}
			h.db.Gorm.Raw(`SELECT reason, vendor_id FROM late_reasons WHERE invoice_id = ? AND source = 'payer'`, inv).Scan(&got)
			wantVendor := north
			if inv == c1 {
				wantVendor = contoso
			}
			if got.Reason != want || got.VendorID != wantVendor {
				t.Errorf("invoice %d: reason %+v, want %s of vendor %d", inv, got, want, wantVendor)
			}
		}
		var n int64
		h.db.Gorm.Raw(`SELECT COUNT(*) FROM late_reasons WHERE invoice_id = ?`, n4).Scan(&n)
		if n != 0 {
			t.Error("a payment on time got a late reason")
		}
	})
}
