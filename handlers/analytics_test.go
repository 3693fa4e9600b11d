package handlers

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/analytics"
	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// analyticsWorld is Northwind and Contoso billing the same payer. Northwind
// backfilled its paid history through the batch API; Acme reported a
// payment of N-2 that Northwind has not confirmed yet.
type analyticsWorld struct {
	h              *portalHub
	north, contoso int64
	northKey       string
	report         payers.PaymentReport
}

const analyticsPeriod = "from=2026-09-01&to=2026-11-23"

func newAnalyticsWorld(t *testing.T, db *database.DB) *analyticsWorld {
	t.Helper()
	h := newPortalHub(t, db)
	w := &analyticsWorld{h: h, north: h.vendor("Northwind Supplies"), contoso: h.vendor("Contoso Paper")}
	w.northKey = h.apiKey(w.north)
	now := h.now
	h.now = time.Date(2026, 9, 24, 10, 0, 0, 0, time.UTC)
	h.invoice(w.north, "N-1", "ap@acme.example", 12345, "2026-10-10")
	h.now = now
	n2 := h.invoice(w.north, "N-2", "ap@acme.example", 5000, "2026-12-20")
	h.invoice(w.contoso, "C-1", "ap@acme.example", 77777, "2026-11-01")

	// Closed history: paid 15 days late, and a void invoice.
	r := h.api().do("POST", "/v1/invoices/batch", w.northKey, `{"invoices":[
 {"external_id":"H-1","customer":{"external_id":"C-ap@acme.example"},"currency":"USD","amount_due":2000,
  "issue_date":"2026-08-01","due_date":"2026-08-31","status":"paid","paid_at":"2026-09-15"},
 {"external_id":"H-2","customer":{"external_id":"C-ap@acme.example"},"currency":"USD","amount_due":900,
  "issue_date":"2026-08-01","due_date":"2026-08-31","status":"void"},
 {"external_id":"H-3","customer":{"external_id":"C-ap@acme.example"},"currency":"USD","amount_due":900,
  "due_date":"2026-08-31","status":"open","paid_at":"2026-09-15"}]}`)
	var batch struct {
		Results []struct {
			Result string               `json:"result"`
			Errors []vendors.FieldError `json:"errors"`
		} `json:"results"`
	}
	r.json(t, &batch)
	if r.status != http.StatusOK || batch.Results[0].Result != "created" || batch.Results[1].Result != "created" ||
		batch.Results[2].Result != "error" || batch.Results[2].Errors[0].Field != "paid_at" {
		t.Fatalf("backfill: %d %s", r.status, r.body)
	}
	reports, err := h.payers.ReportPayment(context.Background(), h.payerID("ap@acme.example"), payers.Report{
		Method: "bank_transfer", PaidOn: civil.Of(h.now), Lines: []payers.ReportLine{{InvoiceID: n2, Amount: 5000}}})
	if err != nil {
		t.Fatal(err)
	}
	w.report = reports[0]
	return w
}

func (w *analyticsWorld) figures(t *testing.T, key, query string) analyticsResponse {
	t.Helper()
	var out analyticsResponse
	r := w.h.api().do("GET", "/v1/analytics?"+query, key, nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET /v1/analytics: %d %s", r.status, r.body)
	}
	r.json(t, &out)
	return out
}

// TestAnalyticsAPIPageAndCSVAgree: the API, the web page and the CSV give
// one vendor's figures, the same in all three, with none of the other
// vendor's; confirming a payment in the web inbox marks the invoice paid
// with its date, records who confirmed it and takes it out of aging.
func TestAnalyticsAPIPageAndCSVAgree(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newAnalyticsWorld(t, db)
		h := w.h
		got := w.figures(t, w.northKey, analyticsPeriod)
		// No request computes the network's benchmarks: until the job's
		// first pass they are pending.
		if got.Benchmarks == nil || !got.Benchmarks.Pending || len(got.Benchmarks.Figures) != 0 || got.Benchmarks.PeriodDays != 90 {
			t.Errorf("benchmarks before the first pass %+v", got.Benchmarks)
		}
		if page := h.vendorSignIn(h.member(w.north, "bob@northwind.example", vendors.RoleAgent).Email).get("/vendor/analytics?" + analyticsPeriod); !strings.Contains(page.body, "The network figures are being computed") {
			t.Errorf("the page before the first pass does not say the network figures are being computed")
		}
		if _, err := analytics.NewStore(db.Gorm, func() time.Time { return h.now }).RefreshNetwork(context.Background(), 0); err != nil {
			t.Fatal(err)
		}
		got = w.figures(t, w.northKey, analyticsPeriod)
		if b := got.Benchmarks; b == nil || b.Pending || b.From == nil || *b.From != "2026-08-26" || b.To == nil || *b.To != "2026-11-23" {
			t.Errorf("benchmarks after the pass %+v", got.Benchmarks)
		}
		if len(got.Aging) != 2 || got.Aging[0] != (agingJSON{"current", "USD", 5000, 1}) ||
			got.Aging[1] != (agingJSON{"31-60", "USD", 12345, 1}) {
			t.Errorf("aging %+v", got.Aging)
		}
		if len(got.LatePaymentsByMonth) != 1 || got.LatePaymentsByMonth[0].Month != "2026-09" ||
			got.LatePaymentsByMonth[0].PaidLate != 1 || got.LatePaymentsByMonth[0].AmountPaidLate != 2000 {
			t.Errorf("late payments %+v", got.LatePaymentsByMonth)
		}
		if got.AvgDaysToResolveDelinquent == nil || *got.AvgDaysToResolveDelinquent != 15 {
			t.Errorf("days to resolve delinquent %v", got.AvgDaysToResolveDelinquent)
		}
		if len(got.TopDelinquentCustomers) != 1 || got.TopDelinquentCustomers[0].OverdueAmount != 12345 ||
			got.TopDelinquentCustomers[0].OldestDaysOverdue != 44 {
			t.Errorf("delinquent %+v", got.TopDelinquentCustomers)
		}
		other := w.figures(t, h.apiKey(w.contoso), analyticsPeriod)
		if len(other.Aging) != 1 || other.Aging[0].Amount != 77777 || len(other.LatePaymentsByMonth) != 0 {
			t.Errorf("Contoso's figures %+v", other)
		}
		p := h.api().do("GET", "/v1/analytics?from=2026-11-31", w.northKey, nil).problem(t, http.StatusUnprocessableEntity)
		fieldMessage(t, p.Errors, "from")

		// The web inbox: Alice confirms the reported payment of N-2.
		alice := h.member(w.north, "alice@northwind.example", vendors.RoleAgent)
		h.member(w.contoso, "carol@contoso.example", vendors.RoleAgent)
		b := h.vendorSignIn("alice@northwind.example")
		if r := b.post("/vendor/payments/"+strconvI(w.report.ID)+"/confirm", nil, "/vendor"); r.status != http.StatusSeeOther {
			t.Fatalf("confirm: %d %s", r.status, r.body)
		}
		inv, err := h.vendors.GetInvoice(context.Background(), w.north, "N-2")
		if err != nil || inv.Status != vendors.StatusPaid || inv.AmountRemaining != 0 || inv.PaidAt == nil || !inv.PaidAt.Equal(h.now) {
			t.Fatalf("N-2 after confirmation: %+v %v", inv.Invoice, err)
		}
		var who struct{ MemberID int64 }
		db.Gorm.Raw(`SELECT member_id FROM vendor_actions WHERE vendor_id = ? AND action = 'confirm_payment'`, w.north).Scan(&who)
		if who.MemberID != alice.ID {
			t.Errorf("confirmation recorded for member %d, want %d", who.MemberID, alice.ID)
		}
		got = w.figures(t, w.northKey, analyticsPeriod)
		if len(got.Aging) != 1 || got.Aging[0].Amount != 12345 {
			t.Errorf("aging after the payment %+v", got.Aging)
		}

		page := b.get("/vendor/analytics?" + analyticsPeriod)
		if page.status != http.StatusOK {
			t.Fatalf("page: %d %s", page.status, page.body)
		}
		for _, want := range []string{"<h1>Analytics</h1>", "<svg", "USD 123.45", "31-60", "2026-09", "USD 20.00", "15.0 days"} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		mustNotContain(t, "Northwind's analytics", page.body, "777.77", "Contoso")

		csv := b.get("/vendor/analytics.csv?set=aging&" + analyticsPeriod)
		if csv.status != http.StatusOK || !strings.HasPrefix(csv.header.Get("Content-Type"), "text/csv") {
			t.Fatalf("csv: %d %v", csv.status, csv.header)
		}
		if want := "\ufeffbucket,currency,amount,count\r\n31-60,USD,12345,1\r\n"; csv.body != want {
			t.Errorf("aging CSV %q, want %q", csv.body, want)
		}
		late := b.get("/vendor/analytics.csv?set=late_payments&" + analyticsPeriod).body
		if !strings.Contains(late, "2026-09,USD,1,1,2000,100.0\r\n") {
			t.Errorf("late payments CSV %q", late)
		}
		if cohorts := b.get("/vendor/analytics.csv?set=cohorts&" + analyticsPeriod).body; !strings.Contains(cohorts,
			"month,invoices,paid_within_30,paid_within_60,paid_within_90,share_paid_within_30,share_paid_within_60,share_paid_within_90,at_risk_rate\r\n2026-09,1,0,0,0,0.0,,,\r\n") {
			t.Errorf("cohorts CSV %q", cohorts)
		}
		if bench := b.get("/vendor/analytics.csv?set=benchmarks&" + analyticsPeriod).body; !strings.Contains(bench, "share_paid_late,100.0,1–99 invoices,1,,,\r\n") {
			t.Errorf("benchmarks CSV %q", bench)
		}
		for _, want := range []string{"Billing cohorts", "Reminder effect", "Compared with the network", "Not shown: fewer than 10 vendors of your size have this figure (1)"} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		if r := b.get("/vendor/analytics.csv?set=nope"); r.status != http.StatusBadRequest {
			t.Errorf("unknown set: %d", r.status)
		}

		carol := h.vendorSignIn("carol@contoso.example")
		theirs := carol.get("/vendor/analytics?" + analyticsPeriod)
		if theirs.status != http.StatusOK || !strings.Contains(theirs.body, "USD 777.77") {
			t.Errorf("Contoso's page: %d", theirs.status)
		}
		mustNotContain(t, "Contoso's analytics", theirs.body, "123.45", "Northwind")
		mustNotContain(t, "Contoso's CSV", carol.get("/vendor/analytics.csv?set=delinquent_customers&"+analyticsPeriod).body, "12345")

		if r := h.browser().get("/vendor/analytics"); r.status != http.StatusSeeOther || r.location != "/vendor/signin" {
			t.Errorf("signed out: %d %s", r.status, r.location)
		}
	})
}
