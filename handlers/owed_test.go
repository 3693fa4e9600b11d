package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/links"
)

// signInPayer opens a digest link for a payer by id (a phone-only payer has
// no email to find it by).
func (h *portalHub) signInPayer(payerID int64) *browser {
	h.t.Helper()
	b := h.browser()
	tok, err := h.signer.Token(links.Link{PayerID: payerID, Action: links.ActionInbox})
	if err != nil {
		h.t.Fatal(err)
	}
	if r := b.get("/l/" + tok); r.status != http.StatusSeeOther {
		h.t.Fatalf("sign in: %d %s", r.status, r.body)
	}
	return b
}

// The date a payer enters in the portal's promise form is the date the
// portal, the vendor's event and the digest show, whatever the payer's
// timezone: chosen (Tokyo, ahead of UTC; Los Angeles, behind), implied by
// its phone number, or none (UTC).
func TestPromiseDateAgreesInPortalAndDigest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north := h.vendor("Northwind")
		key, api := h.apiKey(north), h.api()
		push := func(ext string, customer map[string]any, due string) int64 {
			t.Helper()
			r := api.do("PUT", "/v1/invoices/"+ext, key, invoice(ext, bareCustomer(customer), set("amount_due", 10000),
				set("amount_remaining", 10000), set("due_date", due)))
			if r.status != 201 {
				t.Fatalf("push %s: %d %s", ext, r.status, r.body)
			}
			v, _ := h.vendors.GetInvoice(t.Context(), north, ext)
			return v.ID
		}
		type payerCase struct {
			name, email, timezone string
			customer              map[string]any
		}
		cases := []payerCase{
			{name: "tokyo", email: "ap@tokyo.example", timezone: "Asia/Tokyo"},
			{name: "los angeles", email: "ap@la.example", timezone: "America/Los_Angeles"},
			{name: "utc", email: "ap@utc.example"},
			{name: "phone in tokyo", customer: map[string]any{"external_id": "JP", "phone": "+81312345678"}},
		}
		const promised = "2026-12-04"
		var browsers []*browser
		for i, c := range cases {
			if c.customer == nil {
				c.customer = map[string]any{"external_id": "C-" + c.name, "email": c.email}
			}
			held := push(fmt.Sprintf("P-%d", i), c.customer, "2026-11-20")
			push(fmt.Sprintf("R-%d", i), c.customer, "2026-11-27")
			var payer int64
			h.db.Gorm.Table("customers").Select("payer_id").Where("vendor_id = ? AND external_id = ?", north, c.customer["external_id"]).Scan(&payer)
			if c.timezone != "" {
				h.db.Gorm.Table("payers").Where("id = ?", payer).Update("timezone", c.timezone)
			}
			b := h.signInPayer(payer)
			browsers = append(browsers, b)
			page := "/portal/invoices/" + itoa(held)
			r := b.post(page+"/promise", url.Values{"date": {promised}}, page)
			if r.status != http.StatusSeeOther {
				t.Fatalf("%s: promise: %d %s", c.name, r.status, r.body)
			}
			want := "Payment promised for 4 Dec 2026" // one date format in portal and email
			for _, p := range []string{"/portal", page} {
				if body := b.get(p).body; !strings.Contains(body, want) {
					t.Errorf("%s: %s does not say %q", c.name, p, want)
				}
			}
		}
		for _, e := range h.vendorEvents(north, "promise.created") {
			if !strings.Contains(e, `"promised_date":"`+promised+`"`) {
				t.Errorf("promise.created: %s", e)
			}
		}

		// A week later, on Tuesday at 18:00 UTC (no digest within 24 hours
		// of a payer's action; every payer's default rhythm window, Tuesday
		// 09:00 in Tokyo, UTC and Los Angeles, has opened), every email
		// payer's digest names the same date.
		h.now = h.now.Add(8*24*time.Hour + 8*time.Hour)
		h.runDigests()
		for _, c := range cases {
			if c.email == "" {
				continue
			}
			msgs := h.messagesTo(c.email)
			if len(msgs) != 1 {
				t.Fatalf("%s: %d digests", c.name, len(msgs))
			}
			if !strings.Contains(msgs[0].Text, "On hold: Payment promised for 4 Dec 2026\n") {
				t.Errorf("%s: the digest does not say the promised date %s:\n%s", c.name, promised, msgs[0].Text)
			}
		}
	})
}

// vendorEvents returns the payloads of a vendor's events of one type.
func (h *portalHub) vendorEvents(vendorID int64, typ string) []string {
	h.t.Helper()
	evs, err := h.vendors.Events(h.t.Context(), vendorID, 0, 1000)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		if e.Type == typ {
			out = append(out, e.Payload)
		}
	}
	return out
}

// A credit the payer applies and a payment the vendor confirms reduce what
// the portal, the digest and the API say is owed, and a later re-push of
// the old amount_remaining does not bring the settled money back.
func TestSettledMoneyReducesWhatIsOwed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north := h.vendor("Northwind")
		key, api := h.apiKey(north), h.api()
		const acme = "ap@acme.example"
		inv := func(ext string, remaining int64) map[string]any {
			return invoice(ext, set("amount_due", 10000), set("amount_remaining", remaining), set("due_date", "2026-11-20"))
		}
		for _, ext := range []string{"INV-1", "INV-2"} {
			if r := api.do("PUT", "/v1/invoices/"+ext, key, inv(ext, 10000)); r.status != 201 {
				t.Fatalf("push %s: %d %s", ext, r.status, r.body)
			}
		}
		cn := credit("CN-1", set("amount", 3000))
		if r := api.do("PUT", "/v1/credits/CN-1", key, cn); r.status != 201 {
			t.Fatalf("push credit: %d %s", r.status, r.body)
		}
		inv1, _ := h.vendors.GetInvoice(t.Context(), north, "INV-1")
		inv2, _ := h.vendors.GetInvoice(t.Context(), north, "INV-2")
		credit1, _ := h.vendors.GetCredit(t.Context(), north, "CN-1")
		b := h.signIn(acme)
		if body := b.get("/portal").body; !strings.Contains(body, "USD 200.00") {
			t.Fatalf("the inbox before: %s", body)
		}

		// The payer applies the whole credit to INV-1 …
		page := "/portal/invoices/" + itoa(inv1.ID) + "/credit"
		code := b.askCode(inv1.ID)
		r := b.post(page, url.Values{"credit": {itoa(credit1.ID)}, "amount": {"30.00"}, "code": {code}}, page)
		if r.status != http.StatusSeeOther {
			t.Fatalf("apply: %d %s", r.status, r.body)
		}
		// … and reports paying 40.00 of INV-2, which the vendor confirms.
		r = b.post("/portal/payments", url.Values{"invoice": {itoa(inv2.ID)}, "amount[" + itoa(inv2.ID) + "]": {"40.00"},
			"method": {"bank_transfer"}, "reference": {"WIRE 1"}, "paid_on": {"2026-11-22"}}, "/portal/payments/new")
		if r.status != http.StatusSeeOther {
			t.Fatalf("report: %d %s", r.status, r.body)
		}
		var list paymentList
		api.do("GET", "/v1/payments?status=pending", key, nil).json(t, &list)
		if len(list.Data) != 1 {
			t.Fatalf("pending payments: %+v", list)
		}
		if r := api.do("POST", fmt.Sprintf("/v1/payments/%d/confirm", list.Data[0].ID), key, nil); r.status != 200 {
			t.Fatalf("confirm: %d %s", r.status, r.body)
		}

		owed := func(when string) {
			t.Helper()
			for ext, want := range map[string]int64{"INV-1": 7000, "INV-2": 6000} {
				var got invoiceResponse
				api.do("GET", "/v1/invoices/"+ext, key, nil).json(t, &got)
				if got.AmountRemaining != want || got.Status != "open" {
					t.Errorf("%s: the API says %s has %d remaining (%s), want %d", when, ext, got.AmountRemaining, got.Status, want)
				}
			}
			var c creditResponse
			api.do("GET", "/v1/credits/CN-1", key, nil).json(t, &c)
			if c.AmountRemaining != 0 {
				t.Errorf("%s: the credit has %d left", when, c.AmountRemaining)
			}
			inbox := b.get("/portal").body
			for _, want := range []string{"USD 130.00", "USD 70.00", "USD 60.00"} {
				if !strings.Contains(inbox, want) {
					t.Errorf("%s: the inbox lacks %q", when, want)
				}
			}
			if strings.Contains(inbox, "USD 200.00") || strings.Contains(inbox, "USD 100.00") {
				t.Errorf("%s: the inbox still shows the old amounts", when)
			}
			if body := b.get("/portal/invoices/" + itoa(inv1.ID)).body; !strings.Contains(body, "USD 70.00") {
				t.Errorf("%s: the invoice page does not show USD 70.00", when)
			}
		}
		owed("after the credit and the payment")

		// The vendor re-pushes both invoices and the credit with their old
		// remaining amounts: nothing settled comes back.
		for _, ext := range []string{"INV-1", "INV-2"} {
			if r := api.do("PUT", "/v1/invoices/"+ext, key, inv(ext, 10000)); r.status != 200 {
				t.Fatalf("re-push %s: %d %s", ext, r.status, r.body)
			}
		}
		if r := api.do("PUT", "/v1/credits/CN-1", key, cn); r.status != 200 {
			t.Fatalf("re-push credit: %d %s", r.status, r.body)
		}
		owed("after re-pushing the old amounts")
		// Pushing the settled amounts (the vendor booked them) is not
		// counted twice.
		api.do("PUT", "/v1/invoices/INV-1", key, inv("INV-1", 7000))
		api.do("PUT", "/v1/invoices/INV-2", key, inv("INV-2", 6000))
		owed("after pushing the settled amounts")

		// The digest, on the next Tuesday (the default rhythm's day), counts
		// the same.
		h.now = h.now.Add(8 * 24 * time.Hour)
		h.runDigests()
		msgs := h.messagesTo(acme)
		if len(msgs) == 0 || !strings.Contains(msgs[0].Subject+msgs[0].Text, "USD 130.00") {
			t.Fatalf("no digest, or not for USD 130.00: %+v", msgs)
		}
		text := msgs[0].Text
		for _, want := range []string{"Total due: USD 130.00", "Invoice 1 · USD 70.00", "Invoice 2 · USD 60.00"} {
			if !strings.Contains(text, want) {
				t.Errorf("the digest lacks %q:\n%s", want, text)
			}
		}
		if strings.Contains(text, "USD 200.00") || strings.Contains(text, "USD 100.00") {
			t.Errorf("the digest shows the old amounts:\n%s", text)
		}

		// Settling the rest makes the invoice paid, and an old re-push keeps it paid.
		h.db.Gorm.Exec("UPDATE invoices SET amount_applied = 10000 WHERE vendor_id = ? AND external_id = 'INV-2'", north)
		api.do("PUT", "/v1/invoices/INV-2", key, inv("INV-2", 10000))
		var got invoiceResponse
		api.do("GET", "/v1/invoices/INV-2", key, nil).json(t, &got)
		if got.Status != "paid" || got.AmountRemaining != 0 {
			t.Errorf("fully settled INV-2 re-pushed open: %d %s", got.AmountRemaining, got.Status)
		}
	})
}
