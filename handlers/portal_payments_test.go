package handlers

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// invoiceIn pushes an open invoice in any currency for the customer whose
// AP is email, and returns its id.
func (h *portalHub) invoiceIn(vendorID int64, ext, email, currency string, amount int64) int64 {
	h.t.Helper()
	in := vendors.InvoiceInput{ExternalID: ext, Number: ext, Currency: currency, AmountDue: &amount, DueDate: "2026-11-30",
		Customer: vendors.CustomerInput{ExternalID: "C-" + email, Name: "Acme", Email: email}}
	res, err := h.vendors.PushInvoices(context.Background(), vendorID, []vendors.InvoiceInput{in})
	if err != nil || res[0].Result == vendors.ResultError {
		h.t.Fatalf("push: %v %+v", err, res)
	}
	v, _ := h.vendors.GetInvoice(context.Background(), vendorID, ext)
	return v.ID
}

// paymentEventsOf returns the payloads of a vendor's payment.reported events.
func (h *portalHub) paymentEventsOf(vendorID int64) []string {
	h.t.Helper()
	evs, err := h.vendors.Events(context.Background(), vendorID, 0, 1000)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		if e.Type == payers.EventPaymentReported {
			out = append(out, e.Payload)
		}
	}
	return out
}

func (h *portalHub) rowCount(table string) int64 {
	h.t.Helper()
	var n int64
	if err := h.db.Gorm.Table(table).Count(&n).Error; err != nil {
		h.t.Fatal(err)
	}
	return n
}

func checkedBox(body string, id int64) bool {
	return regexp.MustCompile(`name="invoice" value="` + itoa(id) + `"[^>]*checked`).MatchString(body)
}

func TestPortalReportPayment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north, contoso := h.vendor("Northwind Supplies"), h.vendor("Contoso Paper")
		const acme = "ap@acme.example"
		n1 := h.invoice(north, "N-1", acme, 10000, "2026-11-20")
		n2 := h.invoice(north, "N-2", acme, 7000, "2026-11-25")
		c1 := h.invoice(contoso, "C-1", acme, 20000, "2026-11-30")
		c2 := h.invoiceIn(contoso, "C-2", acme, "EUR", 30000)
		theirs := h.invoice(contoso, "SECRET-9", "ap@other.example", 500, "2026-11-30")
		b := h.signIn(acme)

		form := "/portal/payments/new?invoice=" + itoa(n1)
		r := b.get(form)
		if r.status != 200 || !checkedBox(r.body, n1) || checkedBox(r.body, c1) || !strings.Contains(r.body, `name="amount[`+itoa(n1)+`]" inputmode="decimal" value="100.00"`) {
			t.Fatalf("payment form: %d\n%s", r.status, r.body)
		}
		for _, want := range []string{"Northwind Supplies", "Contoso Paper", "EUR 300.00 remaining", "Invoice N-2"} {
			if !strings.Contains(r.body, want) {
				t.Errorf("the form lacks %q", want)
			}
		}
		if strings.Contains(r.body, "SECRET-9") {
			t.Fatal("the form shows another payer's invoice")
		}
		if r := b.get("/portal/payments/new?invoice=" + itoa(theirs)); r.status != http.StatusNotFound {
			t.Errorf("another payer's invoice in the URL: %d", r.status)
		}

		r = b.post("/portal/payments", url.Values{
			"invoice": {itoa(n1), itoa(c1), itoa(c2)}, "amount[" + itoa(n1) + "]": {"40.00"},
			"amount[" + itoa(c1) + "]": {"200"}, "amount[" + itoa(c2) + "]": {"300.00"}, "amount[" + itoa(n2) + "]": {"70.00"},
			"method": {"bank_transfer"}, "reference": {"WIRE 2026-11-22"}, "paid_on": {"2026-11-22"},
		}, form)
		// N-1 was paid after its due date: the portal asks why first (issue 12).
		if r.status != http.StatusSeeOther || r.location != "/portal/late-reasons?done=payment&invoice="+itoa(n1) {
			t.Fatalf("report: %d → %q\n%s", r.status, r.location, r.body)
		}
		inbox := b.get("/portal?done=payment")
		if !strings.Contains(inbox.body, "Each vendor was told about your payment") || strings.Count(inbox.body, "Payment reported") != 3 {
			t.Errorf("the inbox after reporting:\n%s", inbox.body)
		}

		var reports []payers.PaymentReport
		db.Gorm.Order("vendor_id, currency").Find(&reports)
		if len(reports) != 3 || reports[0].VendorID != north || reports[0].Amount != 4000 ||
			reports[1].Currency != "EUR" || reports[1].Amount != 30000 || reports[2].Currency != "USD" || reports[2].Amount != 20000 ||
			reports[0].Method != "bank_transfer" || reports[0].Reference != "WIRE 2026-11-22" || reports[0].PaidOn.String() != "2026-11-22" {
			t.Fatalf("reports %+v", reports)
		}
		var holds []payers.Hold
		db.Gorm.Order("invoice_id").Find(&holds)
		if len(holds) != 3 {
			t.Fatalf("holds %+v", holds)
		}
		for _, hd := range holds {
			if hd.Kind != payers.HoldPaymentReported || hd.InvoiceID == n2 || !hd.Until.Equal(h.now.Add(5*24*time.Hour)) {
				t.Errorf("hold %+v", hd)
			}
		}

		northEv, contosoEv := h.paymentEventsOf(north), h.paymentEventsOf(contoso)
		if len(northEv) != 1 || len(contosoEv) != 1 {
			t.Fatalf("events: Northwind %v, Contoso %v", northEv, contosoEv)
		}
		if !strings.Contains(northEv[0], `"external_id":"N-1"`) || strings.Contains(northEv[0], "C-") || strings.Contains(northEv[0], "N-2") {
			t.Errorf("Northwind learns: %s", northEv[0])
		}
		if !strings.Contains(contosoEv[0], `"external_id":"C-1"`) || !strings.Contains(contosoEv[0], `"external_id":"C-2"`) ||
			strings.Contains(contosoEv[0], "N-") || strings.Contains(contosoEv[0], "SECRET") {
			t.Errorf("Contoso learns: %s", contosoEv[0])
		}
	})
}

func TestPortalPaymentRefusesBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north := h.vendor("Northwind")
		const acme = "ap@acme.example"
		n1 := h.invoice(north, "N-1", acme, 10000, "2026-11-20")
		theirs := h.invoice(north, "SECRET-9", "ap@other.example", 500, "2026-11-30")
		b := h.signIn(acme)
		form := "/portal/payments/new"
		good := func(edit func(url.Values)) url.Values {
			v := url.Values{"invoice": {itoa(n1)}, "amount[" + itoa(n1) + "]": {"100.00"},
				"method": {"check"}, "reference": {"CHK 1001"}, "paid_on": {"2026-11-23"}}
			edit(v)
			return v
		}
		cases := []struct {
			name    string
			fields  url.Values
			errorID string
		}{
			{"above remaining", good(func(v url.Values) { v.Set("amount["+itoa(n1)+"]", "100.01") }), "amount-" + itoa(n1) + "-error"},
			{"not an amount", good(func(v url.Values) { v.Set("amount["+itoa(n1)+"]", "1.2.3") }), "amount-" + itoa(n1) + "-error"},
			{"zero", good(func(v url.Values) { v.Set("amount["+itoa(n1)+"]", "0") }), "amount-" + itoa(n1) + "-error"},
			{"in the future", good(func(v url.Values) { v.Set("paid_on", "2026-11-26") }), "paid_on-error"},
			{"too long ago", good(func(v url.Values) { v.Set("paid_on", "2026-08-01") }), "paid_on-error"},
			{"not a date", good(func(v url.Values) { v.Set("paid_on", "yesterday") }), "paid_on-error"},
			{"no invoices", good(func(v url.Values) { v.Del("invoice") }), "invoices-error"},
			{"no method", good(func(v url.Values) { v.Set("method", "cash") }), "method-error"},
			{"long reference", good(func(v url.Values) { v.Set("reference", strings.Repeat("x", 201)) }), "reference-error"},
		}
		for _, c := range cases {
			r := b.post("/portal/payments", c.fields, form)
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="`+c.errorID+`"`) {
				t.Errorf("%s: %d, want 422 naming %s\n%s", c.name, r.status, c.errorID, r.body)
				continue
			}
			if !strings.Contains(r.body, `value="CHK 1001"`) && c.name != "long reference" {
				t.Errorf("%s: the form forgot what was typed", c.name)
			}
		}
		r := b.post("/portal/payments", good(func(v url.Values) {
			v.Add("invoice", itoa(theirs))
			v.Set("amount["+itoa(theirs)+"]", "5.00")
		}), form)
		if r.status != http.StatusNotFound || strings.Contains(r.body, "SECRET-9") {
			t.Errorf("another payer's invoice: %d", r.status)
		}
		if r := b.post("/portal/payments", good(func(url.Values) {}), ""); r.status != http.StatusForbidden {
			t.Errorf("without the CSRF token: %d", r.status)
		}
		for _, table := range []string{"payment_reports", "payment_report_invoices", "holds"} {
			if n := h.rowCount(table); n != 0 {
				t.Errorf("%s holds %d rows after refused reports", table, n)
			}
		}
		if evs := h.paymentEventsOf(north); len(evs) != 0 {
			t.Errorf("events after refused reports: %v", evs)
		}
	})
}
