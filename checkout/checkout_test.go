package checkout_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duehub/duehub/checkout"
	"github.com/duehub/duehub/checkout/checkouttest"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

const webhookSecret = "whsec_test_secret"

// world is a hub with vendors connected to stripe-mock.
type world struct {
	t       *testing.T
	db      *database.DB
	vendors *vendors.Store
	payers  *payers.Store
	co      *checkout.Store
	stripe  *checkouttest.Stripe
	now     time.Time
}

func newWorld(t *testing.T, db *database.DB, feeBPS int64) *world {
	w := &world{t: t, db: db, now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return w.now }
	w.payers = payers.NewStore(db.Gorm, clock)
	w.vendors = vendors.NewStore(db.Gorm, w.payers, clock)
	w.stripe = checkouttest.Start(t)
	var err error
	w.co, err = checkout.New(checkout.Config{DB: db.Gorm, SecretKey: "sk_test_123", WebhookSecret: webhookSecret,
		APIBase: w.stripe.URL, FeeBPS: feeBPS, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// vendor creates a vendor and connects it through Stripe's onboarding and
// a status refresh (stripe-mock's account has charges disabled, so the
// test then marks it enabled as Stripe would after onboarding).
func (w *world) vendor(name string) int64 {
	ctx := context.Background()
	v, err := w.vendors.CreateVendor(ctx, vendors.NewVendor{Name: name})
	if err != nil {
		w.t.Fatal(err)
	}
	link, err := w.co.OnboardingLink(ctx, v.ID, "https://hub.example/vendor/stripe", "https://hub.example/vendor/stripe")
	if err != nil || !strings.HasPrefix(link, "https://") {
		w.t.Fatalf("onboarding link %q: %v", link, err)
	}
	acct, err := w.co.RefreshAccount(ctx, v.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	if acct.ChargesEnabled || len(acct.Requirements()) == 0 || !strings.Contains(","+acct.Currencies+",", ",usd,") {
		w.t.Fatalf("refreshed account: %+v", acct)
	}
	w.db.Gorm.Exec("UPDATE stripe_accounts SET charges_enabled = ?, requirements_due = '' WHERE vendor_id = ?", true, v.ID)
	return v.ID
}

func (w *world) invoice(vendorID int64, ext, email, currency string, amount int64) int64 {
	w.t.Helper()
	in := vendors.InvoiceInput{ExternalID: ext, Number: ext, Currency: currency, AmountDue: &amount, DueDate: "2026-11-30",
		Customer: vendors.CustomerInput{ExternalID: "C-" + email, Name: "Acme", Email: email}}
	res, err := w.vendors.PushInvoices(context.Background(), vendorID, []vendors.InvoiceInput{in})
	if err != nil || res[0].Result == vendors.ResultError {
		w.t.Fatalf("push: %v %+v", err, res)
	}
	v, _ := w.vendors.GetInvoice(context.Background(), vendorID, ext)
	return v.ID
}

func (w *world) remaining(vendorID int64, ext string) (int64, string) {
	w.t.Helper()
	v, err := w.vendors.GetInvoice(context.Background(), vendorID, ext)
	if err != nil {
		w.t.Fatal(err)
	}
	return v.AmountRemaining, v.Status
}

func (w *world) payer(email string) int64 {
	p, err := w.payers.FindByEmail(context.Background(), email)
	if err != nil {
		w.t.Fatal(err)
	}
	return p.ID
}

// deliver sends a signed event through Receive and processes it, as the
// River job would.
func (w *world) deliver(payload []byte) checkout.Received {
	w.t.Helper()
	got, err := w.co.Receive(context.Background(), payload, checkouttest.Sign(payload, webhookSecret))
	if err != nil {
		w.t.Fatal(err)
	}
	if got.RowID != 0 {
		if err := w.co.Process(context.Background(), got.RowID); err != nil {
			w.t.Fatal(err)
		}
	}
	return got
}

func (w *world) eventsOf(vendorID int64, typ string) []map[string]any {
	evs, err := w.vendors.Events(context.Background(), vendorID, 0, 1000)
	if err != nil {
		w.t.Fatal(err)
	}
	var out []map[string]any
	for _, e := range evs {
		if e.Type == typ {
			var m map[string]any
			json.Unmarshal([]byte(e.Payload), &m)
			out = append(out, m)
		}
	}
	return out
}

func TestThreeVendorCheckout(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db, 150) // 1.5 % fee on top
		ctx := context.Background()
		const acme = "ap@acme.example"
		north, contoso, fabrikam := w.vendor("Northwind"), w.vendor("Contoso"), w.vendor("Fabrikam")
		n1 := w.invoice(north, "N-1", acme, "USD", 10000)
		n2 := w.invoice(north, "N-2", acme, "USD", 2550)
		c1 := w.invoice(contoso, "C-1", acme, "USD", 70001)
		f1 := w.invoice(fabrikam, "F-1", acme, "USD", 999)
		payer := w.payer(acme)

		items := []checkout.Item{{n1, 10000}, {n2, 1000}, {c1, 70001}, {f1, 999}}
		started, err := w.co.Start(ctx, payer, items, "https://hub.example/done", "https://hub.example/portal")
		if err != nil {
			t.Fatal(err)
		}
		if started.URL == "" || started.Quote.Amount != 82000 || started.Quote.Fee != 1230 || started.Quote.Total != 83230 {
			t.Fatalf("quote: %+v url %q", started.Quote, started.URL)
		}
		sessions := w.stripe.Requests("POST", "/v1/checkout/sessions")
		if len(sessions) != 1 {
			t.Fatalf("sessions created: %d", len(sessions))
		}
		f := sessions[0].Form
		group := f.Get("payment_intent_data[transfer_group]")
		if group == "" || f.Get("mode") != "payment" || f.Get("line_items[3][price_data][unit_amount]") != "1230" ||
			f.Get("line_items[3][price_data][product_data][name]") != "duehub service fee" {
			t.Fatalf("session form: %v", f)
		}
		var lineSum int64
		for i := 0; i < 3; i++ {
			n, _ := strconv.ParseInt(f.Get("line_items["+strconv.Itoa(i)+"][price_data][unit_amount]"), 10, 64)
			lineSum += n
		}
		if lineSum != 82000 {
			t.Fatalf("vendor line items sum to %d", lineSum)
		}
		// Nothing is reduced before the payment completes.
		if r, _ := w.remaining(north, "N-1"); r != 10000 {
			t.Fatalf("N-1 reduced at session creation: %d", r)
		}

		payload := checkouttest.SessionCompleted("evt_completed_1", *started.Checkout.SessionID, "pi_three")
		w.deliver(payload)

		transfers := w.stripe.Requests("POST", "/v1/transfers")
		if len(transfers) != 3 {
			t.Fatalf("transfers: %d, want 3", len(transfers))
		}
		got := map[string]string{}
		for _, tr := range transfers {
			if tr.Form.Get("transfer_group") != group || tr.Form.Get("currency") != "usd" || tr.Form.Get("source_transaction") == "" || tr.IdempotencyKey == "" {
				t.Fatalf("transfer form: %v key %q", tr.Form, tr.IdempotencyKey)
			}
			got[tr.Form.Get("metadata[duehub_vendor]")] = tr.Form.Get("amount")
		}
		want := map[string]string{itoa(north): "11000", itoa(contoso): "70001", itoa(fabrikam): "999"}
		for k, v := range want {
			if got[k] != v {
				t.Fatalf("transfer amounts %v, want %v", got, want)
			}
		}
		for _, c := range []struct {
			vendor int64
			ext    string
			left   int64
			status string
		}{{north, "N-1", 0, "paid"}, {north, "N-2", 1550, "open"}, {contoso, "C-1", 0, "paid"}, {fabrikam, "F-1", 0, "paid"}} {
			if r, s := w.remaining(c.vendor, c.ext); r != c.left || s != c.status {
				t.Fatalf("%s: %d %s, want %d %s", c.ext, r, s, c.left, c.status)
			}
		}
		for _, v := range []int64{north, contoso, fabrikam} {
			evs := w.eventsOf(v, checkout.EventPaymentReceived)
			if len(evs) != 1 {
				t.Fatalf("vendor %d payment.received events: %d", v, len(evs))
			}
			st := evs[0]["stripe"].(map[string]any)
			if st["transfer"] == "" || st["payment_intent"] != "pi_three" || st["transfer_group"] != group || st["charge"] == "" {
				t.Fatalf("event stripe ids: %v", st)
			}
		}
		// Each vendor hears only of its own invoices.
		ev := w.eventsOf(north, checkout.EventPaymentReceived)[0]
		if ev["amount"].(float64) != 11000 || len(ev["invoices"].([]any)) != 2 {
			t.Fatalf("north event: %v", ev)
		}

		// A replay of the same event changes nothing: no transfer, no event.
		if got := w.deliver(payload); got.Fresh {
			t.Fatal("replay stored as fresh")
		}
		if n := len(w.stripe.Requests("POST", "/v1/transfers")); n != 3 {
			t.Fatalf("transfers after replay: %d", n)
		}
		if n := len(w.eventsOf(north, checkout.EventPaymentReceived)); n != 1 {
			t.Fatalf("events after replay: %d", n)
		}

		// A forged event (wrong secret) is refused and stores nothing.
		forged := checkouttest.SessionCompleted("evt_forged", *started.Checkout.SessionID, "pi_three")
		if _, err := w.co.Receive(ctx, forged, checkouttest.Sign(forged, "whsec_attacker")); !errors.Is(err, checkout.ErrBadSignature) {
			t.Fatalf("forged: %v", err)
		}

		// A full refund reopens the invoices and reverses the transfers.
		w.deliver(checkouttest.ChargeRefunded("evt_refund_1", "ch_any", "pi_three", 83230))
		if r, s := w.remaining(north, "N-1"); r != 10000 || s != "open" {
			t.Fatalf("N-1 after refund: %d %s", r, s)
		}
		if r, _ := w.remaining(north, "N-2"); r != 2550 {
			t.Fatalf("N-2 after refund: %d", r)
		}
		if n := len(w.stripe.Requests("POST", "/v1/transfers/"+transferID(t, w, north)+"/reversals")); n != 1 {
			t.Fatalf("north reversals: %d", n)
		}
		if n := len(w.eventsOf(contoso, checkout.EventPaymentRefunded)); n != 1 {
			t.Fatalf("contoso refund events: %d", n)
		}
	})
}

// Stripe's account.updated event keeps a connected account's status
// current without anyone opening the Stripe page: a vendor whose account
// stops taking payments cannot be paid by checkout from then on.
func TestAccountUpdatedEvent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db, 0)
		ctx := context.Background()
		north := w.vendor("Northwind")
		n1 := w.invoice(north, "N-1", "ap@acme.example", "USD", 10000)
		acct, err := w.co.Account(ctx, north)
		if err != nil || !acct.ChargesEnabled {
			t.Fatalf("account before: %+v %v", acct, err)
		}
		if _, err := w.co.Quote(ctx, w.payer("ap@acme.example"), []checkout.Item{{n1, 10000}}); err != nil {
			t.Fatalf("quote while enabled: %v", err)
		}
		w.deliver(checkouttest.Event("evt_acct_1", "account.updated", map[string]any{"id": acct.AccountID, "object": "account",
			"charges_enabled": false, "payouts_enabled": false, "requirements": map[string]any{"currently_due": []string{"external_account"}}}))
		after, err := w.co.Account(ctx, north)
		if err != nil || after.ChargesEnabled || after.PayoutsEnabled || after.RequirementsDue != "external_account" || after.Currencies != acct.Currencies {
			t.Fatalf("account after account.updated: %+v %v", after, err)
		}
		if _, err := w.co.Quote(ctx, w.payer("ap@acme.example"), []checkout.Item{{n1, 10000}}); err == nil {
			t.Fatal("a checkout was quoted for a vendor whose account no longer takes payments")
		}
		// Another platform's account is nobody's here: nothing changes.
		w.deliver(checkouttest.Event("evt_acct_2", "account.updated", map[string]any{"id": "acct_elsewhere", "object": "account", "charges_enabled": true}))
		if again, _ := w.co.Account(ctx, north); again.ChargesEnabled {
			t.Fatal("an unknown account's event changed a vendor's account")
		}
	})
}

func transferID(t *testing.T, w *world, vendorID int64) string {
	ev := w.eventsOf(vendorID, checkout.EventPaymentReceived)[0]
	return ev["stripe"].(map[string]any)["transfer"].(string)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestQuoteRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db, 0)
		ctx := context.Background()
		north := w.vendor("Northwind")
		v, _ := w.vendors.CreateVendor(ctx, vendors.NewVendor{Name: "Unconnected"})
		n1 := w.invoice(north, "N-1", "ap@acme.example", "USD", 5000)
		n2 := w.invoice(north, "N-2", "ap@acme.example", "EUR", 5000)
		n3 := w.invoice(north, "N-3", "ap@acme.example", "XAF", 5000)
		u1 := w.invoice(v.ID, "U-1", "ap@acme.example", "USD", 5000)
		theirs := w.invoice(north, "T-1", "ap@other.example", "USD", 5000)
		w.db.Gorm.Exec("UPDATE stripe_accounts SET currencies = 'usd,eur' WHERE vendor_id = ?", north)
		payer := w.payer("ap@acme.example")

		field := func(items []checkout.Item) string {
			_, err := w.co.Quote(ctx, payer, items)
			var ve *vendors.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("quote %v: %v", items, err)
			}
			return ve.Fields[0].Field + ": " + ve.Fields[0].Message
		}
		if got := field([]checkout.Item{{n1, 5001}}); !strings.Contains(got, "at most") {
			t.Fatalf("above remaining: %s", got)
		}
		if got := field([]checkout.Item{{n1, 0}}); !strings.Contains(got, "more than zero") {
			t.Fatalf("zero: %s", got)
		}
		if got := field([]checkout.Item{{n1, 100}, {n2, 100}}); !strings.HasPrefix(got, "invoices: one payment covers invoices of one currency") {
			t.Fatalf("mixed currencies: %s", got)
		}
		if got := field([]checkout.Item{{n3, 100}}); !strings.Contains(got, "cannot take payments in XAF") {
			t.Fatalf("unsupported currency: %s", got)
		}
		if got := field([]checkout.Item{{u1, 100}}); !strings.Contains(got, "does not take payments through duehub") {
			t.Fatalf("unconnected vendor: %s", got)
		}
		if _, err := w.co.Quote(ctx, payer, []checkout.Item{{n1, 100}, {theirs, 100}}); !checkout.IsNotFound(err) {
			t.Fatalf("another payer's invoice: %v", err)
		}
		if n := len(w.stripe.Requests("POST", "/v1/checkout/sessions")); n != 0 {
			t.Fatalf("sessions created for refused quotes: %d", n)
		}
	})
}

// Two checkouts for the same invoice both complete at once: the invoice
// never goes below zero, one line applies and the other is refunded.
func TestConcurrentCheckouts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db, 0)
		ctx := context.Background()
		north := w.vendor("Northwind")
		n1 := w.invoice(north, "N-1", "ap@acme.example", "USD", 5000)
		payer := w.payer("ap@acme.example")
		var started [2]checkout.Started
		for i := range started {
			var err error
			if started[i], err = w.co.Start(ctx, payer, []checkout.Item{{n1, 4000}}, "https://h.example/d", "https://h.example/c"); err != nil {
				t.Fatal(err)
			}
		}
		var rows [2]int64
		for i, s := range started {
			p := checkouttest.SessionCompleted("evt_race_"+itoa(int64(i)), *s.Checkout.SessionID, "pi_race_"+itoa(int64(i)))
			got, err := w.co.Receive(ctx, p, checkouttest.Sign(p, webhookSecret))
			if err != nil {
				t.Fatal(err)
			}
			rows[i] = got.RowID
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range rows {
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = w.co.Process(ctx, rows[i]) }()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if r, s := w.remaining(north, "N-1"); r != 1000 || s != "open" {
			t.Fatalf("N-1: %d %s, want 1000 open", r, s)
		}
		if n := len(w.stripe.Requests("POST", "/v1/transfers")); n != 1 {
			t.Fatalf("transfers: %d, want 1", n)
		}
		refunds := w.stripe.Requests("POST", "/v1/refunds")
		if len(refunds) != 1 || refunds[0].Form.Get("amount") != "4000" {
			t.Fatalf("excess refunds: %+v", refunds)
		}
		if n := len(w.eventsOf(north, checkout.EventPaymentReceived)); n != 1 {
			t.Fatalf("events: %d", n)
		}
	})
}

// TestStripeMinorUnits: a checkout in a currency whose Stripe units are
// not ISO 4217's reaches Stripe in Stripe's units — 5,000 ISK as 500000,
// 1,234.00 MGA as 1234 — for the session, the fee and the transfer, and
// applies the ISO amount to the invoice; an amount Stripe cannot charge
// exactly (12.34 MGA, 5.125 KWD) is refused with the step it takes.
func TestStripeMinorUnits(t *testing.T) {
	w := newWorld(t, dbtest.SQLite(t), 150)
	ctx := context.Background()
	north := w.vendor("Northwind")
	w.db.Gorm.Exec("UPDATE stripe_accounts SET currencies = 'usd,isk,mga,kwd' WHERE vendor_id = ?", north)
	isk := w.invoice(north, "ISK-1", "ap@acme.example", "ISK", 5000)   // 5,000 kr
	mga := w.invoice(north, "MGA-1", "ap@acme.example", "MGA", 123456) // 1,234.56 Ar
	kwd := w.invoice(north, "KWD-1", "ap@acme.example", "KWD", 5125)   // 5.125 KD
	payer := w.payer("ap@acme.example")

	started, err := w.co.Start(ctx, payer, []checkout.Item{{isk, 5000}}, "https://hub.example/done", "https://hub.example/portal")
	if err != nil {
		t.Fatal(err)
	}
	f := w.stripe.Requests("POST", "/v1/checkout/sessions")[0].Form
	// The fee: 1.5 % of 5,000 kr is 75 kr, 7500 to Stripe.
	if f.Get("line_items[0][price_data][unit_amount]") != "500000" || f.Get("line_items[1][price_data][unit_amount]") != "7500" ||
		f.Get("line_items[0][price_data][currency]") != "isk" || started.Quote.Fee != 75 {
		t.Fatalf("ISK session: %v, quote %+v", f, started.Quote)
	}
	w.deliver(checkouttest.SessionCompleted("evt_isk", *started.Checkout.SessionID, "pi_isk"))
	tr := w.stripe.Requests("POST", "/v1/transfers")
	if len(tr) != 1 || tr[0].Form.Get("amount") != "500000" {
		t.Fatalf("ISK transfer: %+v", tr)
	}
	if left, status := w.remaining(north, "ISK-1"); left != 0 || status != "paid" {
		t.Fatalf("ISK invoice after payment: %d %s", left, status)
	}

	refused := func(id, amount int64, want string) {
		t.Helper()
		_, err := w.co.Quote(ctx, payer, []checkout.Item{{id, amount}})
		var ve *vendors.ValidationError
		if !errors.As(err, &ve) || !strings.Contains(ve.Fields[0].Message, want) {
			t.Fatalf("quote of %d: %v, want a refusal naming %q", amount, err, want)
		}
	}
	refused(mga, 123456, "multiples of MGA 1.00: pay MGA 1,234.00 here")
	refused(kwd, 5125, "multiples of KWD 0.010: pay KWD 5.120 here")

	started, err = w.co.Start(ctx, payer, []checkout.Item{{mga, 123400}}, "https://hub.example/done", "https://hub.example/portal")
	if err != nil {
		t.Fatal(err)
	}
	f = w.stripe.Requests("POST", "/v1/checkout/sessions")[1].Form
	// 1.5 % of 1,234.00 Ar is 18.51, rounded up to the whole ariary Stripe takes: 19.
	if f.Get("line_items[0][price_data][unit_amount]") != "1234" || f.Get("line_items[1][price_data][unit_amount]") != "19" ||
		started.Quote.Fee != 1900 || started.Quote.Total != 125300 {
		t.Fatalf("MGA session: %v, quote %+v", f, started.Quote)
	}
}
