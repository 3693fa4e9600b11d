package payers_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// creditNet is a small network for credit tests: vendors push invoices and
// credit notes through the real store, which links their customers to payers.
type creditNet struct {
	t   *testing.T
	db  *database.DB
	vs  *vendors.Store
	ps  *payers.Store
	now time.Time
}

func newCreditNet(t *testing.T, db *database.DB) *creditNet {
	n := &creditNet{t: t, db: db, now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return n.now }
	n.ps = payers.NewStore(db.Gorm, clock)
	n.vs = vendors.NewStore(db.Gorm, n.ps, clock)
	return n
}

func (n *creditNet) vendor(name string) int64 {
	n.t.Helper()
	v, err := n.vs.CreateVendor(context.Background(), vendors.NewVendor{Name: name})
	if err != nil {
		n.t.Fatal(err)
	}
	return v.ID
}

// invoice pushes an invoice of customer (external id) whose AP is email.
func (n *creditNet) invoice(vendorID int64, ext, customer, email, currency string, due, remaining int64, status string) int64 {
	n.t.Helper()
	in := vendors.InvoiceInput{ExternalID: ext, Currency: currency, AmountDue: &due, AmountRemaining: &remaining,
		DueDate: "2026-12-01", Status: status, Customer: vendors.CustomerInput{ExternalID: customer, Name: "Acme", Email: email}}
	res, err := n.vs.PushInvoices(context.Background(), vendorID, []vendors.InvoiceInput{in})
	if err != nil || res[0].Result == vendors.ResultError {
		n.t.Fatalf("push invoice %s: %v %+v", ext, err, res)
	}
	v, err := n.vs.GetInvoice(context.Background(), vendorID, ext)
	if err != nil {
		n.t.Fatal(err)
	}
	return v.ID
}

func (n *creditNet) credit(vendorID int64, ext, customer, email, currency string, amount int64) int64 {
	n.t.Helper()
	in := vendors.CreditInput{ExternalID: ext, Currency: currency, Amount: &amount, IssueDate: "2026-11-01", Memo: "Returned goods",
		Customer: vendors.CustomerInput{ExternalID: customer, Name: "Acme", Email: email}}
	res, err := n.vs.PushCredits(context.Background(), vendorID, []vendors.CreditInput{in})
	if err != nil || res[0].Result == vendors.ResultError {
		n.t.Fatalf("push credit %s: %v %+v", ext, err, res)
	}
	v, err := n.vs.GetCredit(context.Background(), vendorID, ext)
	if err != nil {
		n.t.Fatal(err)
	}
	return v.ID
}

func (n *creditNet) payer(email string) int64 {
	n.t.Helper()
	p, err := n.ps.FindByEmail(context.Background(), email)
	if err != nil {
		n.t.Fatal(err)
	}
	return p.ID
}

// ledger is every amount a credit application can move, and what it writes.
type ledger struct {
	Credits      map[int64]int64
	Invoices     map[int64]string
	Applications int64
	Events       int64
}

func (n *creditNet) ledger() ledger {
	n.t.Helper()
	l := ledger{Credits: map[int64]int64{}, Invoices: map[int64]string{}}
	var cns []vendors.CreditNote
	var invs []vendors.Invoice
	g := n.db.Gorm
	if err := g.Find(&cns).Error; err != nil {
		n.t.Fatal(err)
	}
	if err := g.Find(&invs).Error; err != nil {
		n.t.Fatal(err)
	}
	for _, c := range cns {
		l.Credits[c.ID] = c.AmountRemaining
	}
	for _, i := range invs {
		l.Invoices[i.ID] = fmt.Sprintf("%d %s", i.AmountRemaining, i.Status)
	}
	g.Table("credit_applications").Count(&l.Applications)
	g.Table("events").Where("type = ?", payers.EventCreditApplied).Count(&l.Events)
	return l
}

func (n *creditNet) applied(creditID int64) (sum, count int64) {
	n.t.Helper()
	var row struct{ Sum, Count int64 }
	if err := n.db.Gorm.Raw("SELECT COALESCE(SUM(amount), 0) AS sum, COUNT(*) AS count FROM credit_applications WHERE credit_id = ?", creditID).
		Scan(&row).Error; err != nil {
		n.t.Fatal(err)
	}
	return row.Sum, row.Count
}

func fieldOf(err error) string {
	var ve *vendors.ValidationError
	if errors.As(err, &ve) {
		return ve.Fields[0].Field
	}
	return ""
}

func TestCreditRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		n := newCreditNet(t, db)
		north, contoso := n.vendor("Northwind"), n.vendor("Contoso")
		const acme, other = "ap@acme.example", "ap@other.example"
		inv := n.invoice(north, "N-1", "C-1", acme, "USD", 10000, 10000, "")
		paid := n.invoice(north, "N-PAID", "C-1", acme, "USD", 10000, 0, "paid")
		void := n.invoice(north, "N-VOID", "C-1", acme, "USD", 10000, 5000, "void")
		theirs := n.invoice(north, "N-THEIRS", "C-3", other, "USD", 10000, 10000, "")
		small := n.credit(north, "CN-SMALL", "C-1", acme, "USD", 3000)
		big := n.credit(north, "CN-BIG", "C-1", acme, "USD", 50000)
		otherVendor := n.credit(contoso, "CN-CONTOSO", "K-1", acme, "USD", 5000)
		otherCustomer := n.credit(north, "CN-C2", "C-2", acme, "USD", 5000) // same AP inbox, another account
		euro := n.credit(north, "CN-EUR", "C-1", acme, "EUR", 5000)
		theirCredit := n.credit(north, "CN-THEIRS", "C-3", other, "USD", 5000)
		payer := n.payer(acme)
		if n.payer(other) == payer {
			t.Fatal("two AP inboxes share a payer")
		}

		list, err := n.ps.Credits(ctx, payer, inv)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range list {
			got = append(got, c.ExternalID)
		}
		if !slices.Equal(got, []string{"CN-SMALL", "CN-BIG"}) {
			t.Fatalf("credits offered for N-1: %v", got)
		}
		if _, err := n.ps.Credits(ctx, payer, theirs); !errors.Is(err, payers.ErrNotFound) {
			t.Fatalf("credits of another payer's invoice: %v", err)
		}
		if list, err := n.ps.Credits(ctx, payer, paid); err != nil || len(list) != 0 {
			t.Fatalf("credits offered for a paid invoice: %v %v", list, err)
		}

		before := n.ledger()
		for _, c := range []struct {
			name            string
			credit, invoice int64
			amount          int64
			field           string // "" means ErrNotFound
		}{
			{"above the credit's remaining", small, inv, 3001, "amount"},
			{"above the invoice's remaining", big, inv, 10001, "amount"},
			{"credit of another vendor", otherVendor, inv, 100, "credit"},
			{"credit of another customer of the same vendor", otherCustomer, inv, 100, "credit"},
			{"credit in another currency", euro, inv, 100, "credit"},
			{"paid invoice", small, paid, 100, "invoice"},
			{"void invoice", small, void, 100, "invoice"},
			{"another payer's credit", theirCredit, inv, 100, ""},
			{"another payer's invoice", small, theirs, 100, ""},
			{"no such credit", big + 1000, inv, 100, ""},
			{"zero", small, inv, 0, "amount"},
			{"negative", small, inv, -100, "amount"},
		} {
			for name, try := range map[string]func() error{
				"check": func() error { return n.ps.CheckCredit(ctx, payer, c.credit, c.invoice, c.amount) },
				"apply": func() error { _, err := n.ps.ApplyCredit(ctx, payer, c.credit, c.invoice, c.amount); return err },
			} {
				err := try()
				if c.field == "" && !errors.Is(err, payers.ErrNotFound) || c.field != "" && fieldOf(err) != c.field {
					t.Errorf("%s (%s): got %v, want a refusal on %q", c.name, name, err, c.field)
				}
			}
		}
		if after := n.ledger(); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatalf("a refused application changed something:\nbefore %+v\nafter  %+v", before, after)
		}

		// A valid application moves both remainders and is recorded.
		if err := n.ps.CheckCredit(ctx, payer, small, inv, 1000); err != nil {
			t.Fatalf("check a valid application: %v", err)
		}
		n.now = n.now.Add(time.Minute)
		app, err := n.ps.ApplyCredit(ctx, payer, small, inv, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if app.CreditRemaining != 2000 || app.InvoiceRemaining != 9000 || app.InvoicePaid || app.CreditExternalID != "CN-SMALL" || app.InvoiceExternalID != "N-1" {
			t.Fatalf("application: %+v", app)
		}
		l := n.ledger()
		if l.Credits[small] != 2000 || l.Invoices[inv] != "9000 open" || l.Applications != 1 || l.Events != 1 {
			t.Fatalf("after applying 10.00: %+v", l)
		}
		if sum, count := n.applied(small); sum != 1000 || count != 1 {
			t.Fatalf("application rows: %d in %d", sum, count)
		}
		evs, _ := n.vs.Events(ctx, north, 0, 10)
		var payload map[string]any
		if len(evs) != 1 || evs[0].Type != "credit.applied" || json.Unmarshal([]byte(evs[0].Payload), &payload) != nil {
			t.Fatalf("vendor events: %+v", evs)
		}
		for k, want := range map[string]any{"credit": "CN-SMALL", "invoice": "N-1", "customer": "C-1", "amount": 1000.0,
			"currency": "USD", "credit_remaining": 2000.0, "invoice_remaining": 9000.0, "invoice_status": "open"} {
			if payload[k] != want {
				t.Errorf("event %s = %v, want %v", k, payload[k], want)
			}
		}
		if evs, _ := n.vs.Events(ctx, contoso, 0, 10); len(evs) != 0 {
			t.Fatalf("another vendor heard of it: %+v", evs)
		}
		if p, _ := n.ps.Get(ctx, payer); p.LastActionAt == nil || !p.LastActionAt.Equal(n.now) {
			t.Errorf("the payer's action was not recorded: %v", p.LastActionAt)
		}

		// Applying all that remains pays the invoice.
		app, err = n.ps.ApplyCredit(ctx, payer, big, inv, 9000)
		if err != nil || !app.InvoicePaid || app.InvoiceRemaining != 0 || app.CreditRemaining != 41000 {
			t.Fatalf("pay in full: %+v %v", app, err)
		}
		if l := n.ledger(); l.Invoices[inv] != "0 paid" || l.Credits[big] != 41000 {
			t.Fatalf("after paying in full: %+v", l)
		}
		if list, _ := n.ps.Credits(ctx, payer, inv); len(list) != 0 {
			t.Fatalf("credits offered for a paid invoice: %+v", list)
		}
		if _, err := n.ps.ApplyCredit(ctx, payer, small, inv, 1); fieldOf(err) != "invoice" {
			t.Fatalf("apply to the now-paid invoice: %v", err)
		}
	})
}

// TestHundredConcurrentApplications fires 100 applications of one credit at
// once: whatever the interleaving, no more than the credit is ever applied.
func TestHundredConcurrentApplications(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		for _, c := range []struct {
			name      string
			each      int64
			successes int
		}{
			{"each asks for the whole credit", 10000, 1},
			{"each asks for 1.50", 150, 10000 / 150},
		} {
			t.Run(c.name, func(t *testing.T) {
				n := newCreditNet(t, db)
				north := n.vendor(fmt.Sprintf("Northwind %d", c.each))
				cust := fmt.Sprintf("C-%d", c.each)
				inv := n.invoice(north, "N-1", cust, "ap@acme.example", "USD", 1000000, 1000000, "")
				cn := n.credit(north, "CN-1", cust, "ap@acme.example", "USD", 10000)
				payer := n.payer("ap@acme.example")

				start := make(chan struct{})
				var wg sync.WaitGroup
				errs := make([]error, 100)
				for i := range errs {
					wg.Go(func() {
						<-start
						_, errs[i] = n.ps.ApplyCredit(context.Background(), payer, cn, inv, c.each)
					})
				}
				began := time.Now()
				close(start)
				wg.Wait()
				ok := 0
				for _, err := range errs {
					switch {
					case err == nil:
						ok++
					case fieldOf(err) == "":
						t.Errorf("an application failed other than by refusal: %v", err)
					}
				}
				sum, count := n.applied(cn)
				l := n.ledger()
				t.Logf("%s: %d of 100 succeeded, %d applied in %d rows, credit left %d, in %v",
					db.Dialect, ok, sum, count, l.Credits[cn], time.Since(began).Round(time.Millisecond))
				if ok != c.successes || sum != c.each*int64(ok) || int(count) != ok || sum > 10000 {
					t.Fatalf("%d successes applying %d in %d rows; want %d successes", ok, sum, count, c.successes)
				}
				evs, err := n.vs.Events(context.Background(), north, 0, 1000)
				if err != nil {
					t.Fatal(err)
				}
				if l.Credits[cn] != 10000-sum || l.Invoices[inv] != fmt.Sprintf("%d open", 1000000-sum) || len(evs) != ok {
					t.Fatalf("remainders do not add up: credit %d, invoice %s, events %d", l.Credits[cn], l.Invoices[inv], len(evs))
				}
				// Each success saw the amounts the one before it left: the
				// remainders its event reports step down without repeats.
				var left []int64
				for _, e := range evs {
					var p struct {
						CreditRemaining int64 `json:"credit_remaining"`
					}
					json.Unmarshal([]byte(e.Payload), &p)
					left = append(left, p.CreditRemaining)
				}
				slices.Sort(left)
				for i, v := range left {
					if want := 10000 - c.each*int64(len(left)-i); v != want {
						t.Fatalf("events report the credit's remainder as %v", left)
					}
				}
			})
		}
	})
}
