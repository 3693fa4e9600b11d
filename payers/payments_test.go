package payers_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// payNet is a small network: vendors pushing invoices to payers, on a real
// database, with one clock.
type payNet struct {
	t       *testing.T
	db      *database.DB
	now     time.Time
	payers  *payers.Store
	vendors *vendors.Store
}

func newPayNet(t *testing.T, db *database.DB) *payNet {
	n := &payNet{t: t, db: db, now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return n.now }
	n.payers = payers.NewStore(db.Gorm, clock)
	n.vendors = vendors.NewStore(db.Gorm, n.payers, clock)
	return n
}

func (n *payNet) vendor(name string) int64 {
	n.t.Helper()
	v, err := n.vendors.CreateVendor(context.Background(), vendors.NewVendor{Name: name})
	if err != nil {
		n.t.Fatal(err)
	}
	return v.ID
}

// push stores an open invoice of the customer whose AP is cust.Email and
// returns its id.
func (n *payNet) push(vendorID int64, ext, currency string, amount int64, cust vendors.CustomerInput) int64 {
	n.t.Helper()
	if cust.ExternalID == "" {
		cust.ExternalID = "C-" + cust.Email
	}
	in := vendors.InvoiceInput{ExternalID: ext, Number: ext, Currency: currency, AmountDue: &amount, DueDate: "2026-11-20", Customer: cust}
	res, err := n.vendors.PushInvoices(context.Background(), vendorID, []vendors.InvoiceInput{in})
	if err != nil || res[0].Result == vendors.ResultError {
		n.t.Fatalf("push %s: %v %+v", ext, err, res)
	}
	inv, err := n.vendors.GetInvoice(context.Background(), vendorID, ext)
	if err != nil {
		n.t.Fatal(err)
	}
	return inv.ID
}

func (n *payNet) payer(email string) int64 {
	n.t.Helper()
	p, err := n.payers.FindByEmail(context.Background(), email)
	if err != nil {
		n.t.Fatal(err)
	}
	return p.ID
}

func (n *payNet) count(table string) int64 {
	n.t.Helper()
	var c int64
	if err := n.db.Gorm.Table(table).Count(&c).Error; err != nil {
		n.t.Fatal(err)
	}
	return c
}

func paymentEvents(t *testing.T, vs *vendors.Store, vendorID int64) []vendors.Event {
	t.Helper()
	evs, err := vs.Events(context.Background(), vendorID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []vendors.Event
	for _, e := range evs {
		if e.Type == payers.EventPaymentReported {
			out = append(out, e)
		}
	}
	return out
}

func TestReportPaymentSplitsPerVendorAndCurrency(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		n := newPayNet(t, db)
		north, contoso := n.vendor("Northwind"), n.vendor("Contoso")
		acme := vendors.CustomerInput{Email: "ap@acme.example"}
		nUSD := n.push(north, "N-1", "USD", 10000, acme)
		nOther := n.push(north, "N-2", "USD", 5000, acme)
		cUSD := n.push(contoso, "C-1", "USD", 20000, acme)
		cEUR := n.push(contoso, "C-2", "EUR", 30000, acme)
		payer := n.payer("ap@acme.example")
		paidOn := civil.Of(n.now).AddDays(-1)

		reports, err := n.payers.ReportPayment(ctx, payer, payers.Report{Method: "bank_transfer", Reference: " WIRE-77 ", PaidOn: paidOn,
			Lines: []payers.ReportLine{{InvoiceID: cEUR, Amount: 30000}, {InvoiceID: nUSD, Amount: 4000}, {InvoiceID: cUSD, Amount: 20000}}})
		if err != nil {
			t.Fatal(err)
		}
		type share struct {
			vendor   int64
			currency string
			amount   int64
		}
		var got []share
		for _, r := range reports {
			got = append(got, share{r.VendorID, r.Currency, r.Amount})
		}
		want := []share{{north, "USD", 4000}, {contoso, "EUR", 30000}, {contoso, "USD", 20000}}
		if len(got) != len(want) {
			t.Fatalf("reports %+v, want %+v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("reports %+v, want %+v", got, want)
			}
		}
		var stored []payers.PaymentReport
		db.Gorm.Order("id").Find(&stored)
		if len(stored) != 3 || stored[0].Reference != "WIRE-77" || stored[0].PaidOn != paidOn || stored[0].PayerID != payer {
			t.Fatalf("stored reports %+v", stored)
		}
		if n.count("payment_report_invoices") != 3 {
			t.Fatalf("report lines: %d", n.count("payment_report_invoices"))
		}

		var holds []payers.Hold
		db.Gorm.Order("invoice_id").Find(&holds)
		if len(holds) != 3 {
			t.Fatalf("holds %+v", holds)
		}
		reportOf := map[int64]int64{nUSD: reports[0].ID, cEUR: reports[1].ID, cUSD: reports[2].ID}
		for _, h := range holds {
			if h.Kind != payers.HoldPaymentReported || h.Until == nil || !h.Until.Equal(n.now.Add(5*24*time.Hour)) || h.RefID != reportOf[h.InvoiceID] {
				t.Errorf("hold %+v", h)
			}
		}
		open, _ := n.payers.OpenInvoices(ctx, payer, n.now)
		for _, o := range open {
			if held := o.HoldKind == payers.HoldPaymentReported; held == (o.InvoiceID == nOther) {
				t.Errorf("invoice %s held: %v", o.Number, held)
			}
		}
		if open, _ := n.payers.OpenInvoices(ctx, payer, n.now.Add(5*24*time.Hour+time.Second)); open[0].HoldKind != "" {
			t.Error("the hold outlived 5 days")
		}

		northEvents, contosoEvents := paymentEvents(t, n.vendors, north), paymentEvents(t, n.vendors, contoso)
		if len(northEvents) != 1 || len(contosoEvents) != 1 {
			t.Fatalf("events: north %d, contoso %d", len(northEvents), len(contosoEvents))
		}
		if p := northEvents[0].Payload; !strings.Contains(p, `"N-1"`) || strings.Contains(p, "C-1") || strings.Contains(p, "C-2") || strings.Contains(p, "N-2") {
			t.Errorf("Northwind's event: %s", p)
		}
		var ev struct {
			Reports []struct {
				ReportID int64  `json:"report_id"`
				Currency string `json:"currency"`
				Amount   int64  `json:"amount"`
				Invoices []struct {
					ExternalID string `json:"external_id"`
					Amount     int64  `json:"amount"`
				} `json:"invoices"`
			} `json:"reports"`
		}
		if err := json.Unmarshal([]byte(contosoEvents[0].Payload), &ev); err != nil {
			t.Fatal(err)
		}
		if len(ev.Reports) != 2 || ev.Reports[0].Currency != "EUR" || ev.Reports[0].Invoices[0].ExternalID != "C-2" ||
			ev.Reports[1].ReportID != reports[2].ID || ev.Reports[1].Amount != 20000 || strings.Contains(contosoEvents[0].Payload, "N-1") {
			t.Errorf("Contoso's event: %s", contosoEvents[0].Payload)
		}
		if p, _ := n.payers.Get(ctx, payer); p.LastActionAt == nil {
			t.Error("reporting a payment is not a payer action")
		}
	})
}

func TestReportPaymentRejectsBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		n := newPayNet(t, db)
		north := n.vendor("Northwind")
		inv := n.push(north, "N-1", "USD", 10000, vendors.CustomerInput{Email: "ap@acme.example"})
		paid := n.push(north, "N-PAID", "USD", 10000, vendors.CustomerInput{Email: "ap@acme.example"})
		zero := int64(0)
		n.vendors.PushInvoices(ctx, north, []vendors.InvoiceInput{{ExternalID: "N-PAID", Number: "N-PAID", Currency: "USD",
			AmountDue: &[]int64{10000}[0], AmountRemaining: &zero, DueDate: "2026-11-20", Status: "paid",
			Customer: vendors.CustomerInput{ExternalID: "C-ap@acme.example", Email: "ap@acme.example"}}})
		theirs := n.push(north, "N-9", "USD", 10000, vendors.CustomerInput{Email: "ap@other.example"})
		payer := n.payer("ap@acme.example")
		today := civil.Of(n.now)
		good := func(edit func(*payers.Report)) payers.Report {
			r := payers.Report{Method: "check", PaidOn: today, Lines: []payers.ReportLine{{InvoiceID: inv, Amount: 100}}}
			edit(&r)
			return r
		}
		cases := []struct {
			name  string
			r     payers.Report
			field string
		}{
			{"above remaining", good(func(r *payers.Report) { r.Lines[0].Amount = 10001 }), payers.AmountField(inv)},
			{"zero amount", good(func(r *payers.Report) { r.Lines[0].Amount = 0 }), payers.AmountField(inv)},
			{"no invoices", good(func(r *payers.Report) { r.Lines = nil }), "invoices"},
			{"twice the same", good(func(r *payers.Report) { r.Lines = append(r.Lines, r.Lines[0]) }), "invoices"},
			{"paid invoice", good(func(r *payers.Report) { r.Lines = []payers.ReportLine{{InvoiceID: paid, Amount: 1}} }), "invoices"},
			{"future", good(func(r *payers.Report) { r.PaidOn = today.AddDays(2) }), "paid_on"},
			{"too old", good(func(r *payers.Report) { r.PaidOn = today.AddDays(-91) }), "paid_on"},
			{"no date", good(func(r *payers.Report) { r.PaidOn = civil.Date{} }), "paid_on"},
			{"method", good(func(r *payers.Report) { r.Method = "cash" }), "method"},
			{"reference", good(func(r *payers.Report) { r.Reference = strings.Repeat("é", 201) }), "reference"},
		}
		for _, c := range cases {
			_, err := n.payers.ReportPayment(ctx, payer, c.r)
			var ve *vendors.ValidationError
			if !errors.As(err, &ve) || ve.Fields[0].Field != c.field {
				t.Errorf("%s: %v, want an error on %s", c.name, err, c.field)
			}
		}
		_, err := n.payers.ReportPayment(ctx, payer, good(func(r *payers.Report) {
			r.Lines = append(r.Lines, payers.ReportLine{InvoiceID: theirs, Amount: 100})
		}))
		if !errors.Is(err, payers.ErrNotFound) {
			t.Errorf("another payer's invoice: %v", err)
		}
		for _, table := range []string{"payment_reports", "payment_report_invoices", "holds"} {
			if c := n.count(table); c != 0 {
				t.Errorf("%s has %d rows after refused reports", table, c)
			}
		}
		if evs := paymentEvents(t, n.vendors, north); len(evs) != 0 {
			t.Errorf("events after refused reports: %+v", evs)
		}
		// The edges are accepted: the whole remainder, 90 days ago, today
		// on the far side of the date line.
		n.now = time.Date(2026, 11, 23, 23, 0, 0, 0, time.UTC)
		if _, err := n.payers.ReportPayment(ctx, payer, payers.Report{Method: "card", PaidOn: civil.Of(n.now).AddDays(1),
			Lines: []payers.ReportLine{{InvoiceID: inv, Amount: 10000}}}); err != nil {
			t.Errorf("paid today in Kiribati: %v", err)
		}
		if _, err := n.payers.ReportPayment(ctx, payer, good(func(r *payers.Report) { r.PaidOn = civil.Of(n.now).AddDays(-89) })); err != nil {
			t.Errorf("paid 89 days ago: %v", err)
		}
	})
}

func TestPaymentModelsMatchSchema(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		dbtest.CheckColumns(t, db, &payers.PaymentReport{}, &payers.PaymentReportLine{})
	})
}
