package bundler_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/links"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/notify/outbox"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

const secret = "test-secret-test-secret-test-secret"

// network is a hub's digest machinery on a real database with a settable clock.
type network struct {
	t       testing.TB
	db      *database.DB
	vendors *vendors.Store
	payers  *payers.Store
	outbox  *outbox.Store
	signer  *links.Signer
	mu      sync.Mutex
	now     time.Time
	// cadence is set on every payer push creates: these tests were written
	// for the twice-weekly (smart) cadence; "" keeps the default rhythm.
	cadence string
}

func newNetwork(t testing.TB, db *database.DB, now time.Time) *network {
	n := &network{t: t, db: db, now: now, cadence: string(bundler.CadenceSmart)}
	clock := n.clock
	n.payers = payers.NewStore(db.Gorm, clock)
	n.vendors = vendors.NewStore(db.Gorm, n.payers, clock)
	n.outbox = outbox.New(db.Gorm, clock)
	n.signer = links.NewSigner(secret, "https://hub.example", clock)
	return n
}

func (n *network) clock() time.Time {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.now
}

func (n *network) setNow(s string) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		n.t.Fatal(err)
	}
	n.mu.Lock()
	n.now = t
	n.mu.Unlock()
}

func (n *network) runner(senders map[notify.Channel]notify.Sender) *bundler.Runner {
	if senders == nil {
		senders = map[notify.Channel]notify.Sender{notify.Email: n.outbox, notify.SMS: n.outbox}
	}
	return bundler.NewRunner(bundler.Config{
		DB: n.db.Gorm, Payers: n.payers, Vendors: n.vendors, Senders: senders, Links: n.signer,
		BaseURL: "https://hub.example", From: "reminders@hub.example", FromName: "duehub",
		Now: n.clock, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
}

func (n *network) vendor(name, domain string) int64 {
	v, err := n.vendors.CreateVendor(context.Background(), vendors.NewVendor{Name: name, Domain: domain})
	if err != nil {
		n.t.Fatal(err)
	}
	return v.ID
}

func (n *network) push(vendorID int64, id, email, due string, amount int64, edits ...func(*vendors.InvoiceInput)) {
	in := vendors.InvoiceInput{ExternalID: id, Number: id, Currency: "USD", AmountDue: &amount, DueDate: due,
		PayURL: "https://pay.example/" + id, Memo: "PO for " + id,
		Customer: vendors.CustomerInput{ExternalID: "C-" + email, Name: "Acme Corp", Email: email}}
	for _, e := range edits {
		e(&in)
	}
	res, err := n.vendors.PushInvoices(context.Background(), vendorID, []vendors.InvoiceInput{in})
	if err != nil || res[0].Result == vendors.ResultError {
		n.t.Fatalf("push %s: %v %+v", id, err, res)
	}
	if n.cadence != "" {
		err := n.db.Gorm.Exec(`UPDATE payers SET cadence = ? WHERE cadence = 'rhythm'`, n.cadence).Error
		if err != nil {
			n.t.Fatal(err)
		}
	}
}

func (n *network) messages() []outbox.Message {
	msgs, err := n.outbox.List(context.Background(), 0)
	if err != nil {
		n.t.Fatal(err)
	}
	return msgs
}

func (n *network) invoiceID(vendorID int64, ext string) int64 {
	v, err := n.vendors.GetInvoice(context.Background(), vendorID, ext)
	if err != nil {
		n.t.Fatal(err)
	}
	return v.ID
}

func run(t *testing.T, r *bundler.Runner) bundler.Report {
	t.Helper()
	rep, err := r.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestOneDigestAcrossVendors is the heart of duehub: three vendors bill
// ap@acme.example and the payer gets one digest holding all of them.
func TestOneDigestAcrossVendors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNetwork(t, db, time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)) // Monday
		north := n.vendor("Northwind Supplies", "northwind.example")
		contoso := n.vendor("Contoso Paper", "contoso.example")
		fab := n.vendor("Fabrikam Freight", "fabrikam.example")
		n.push(north, "N-1", "ap@acme.example", "2026-11-20", 120000)
		n.push(contoso, "C-1", "AP@Acme.example", "2026-11-23", 5000)
		n.push(fab, "F-1", "ap@acme.example", "2026-11-30", 99900)
		n.push(fab, "F-2", "ap@acme.example", "2027-03-01", 100) // far off: not in the digest
		n.push(north, "OTHER", "ap@other.example", "2026-11-20", 1)

		r := n.runner(nil)
		rep := run(t, r)
		if rep.Sent() != 2 {
			t.Fatalf("sent %d digests, want 2 (one per payer): %+v", rep.Sent(), rep)
		}
		var acme outbox.Message
		for _, m := range n.messages() {
			if len(m.To) == 1 && m.To[0] == "ap@acme.example" {
				acme = m
			}
		}
		if acme.ID == 0 {
			t.Fatal("no digest to ap@acme.example")
		}
		for _, want := range []string{"Northwind Supplies", "Contoso Paper", "Fabrikam Freight", "N-1", "C-1", "F-1"} {
			if !strings.Contains(acme.Text, want) || !strings.Contains(acme.HTML, want) {
				t.Errorf("digest lacks %q", want)
			}
		}
		if strings.Contains(acme.Text, "F-2") {
			t.Error("an invoice due in three months is in the digest")
		}
		if !strings.HasPrefix(acme.Subject, "3 vendors · 3 invoices · USD 2,249.00 due") {
			t.Errorf("subject = %q", acme.Subject)
		}
		if acme.Headers["List-Unsubscribe"] == "" || acme.Headers["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click" {
			t.Errorf("unsubscribe headers: %v", acme.Headers)
		}

		// Four working links on every invoice, each naming this payer and invoice.
		ids := map[int64]bool{n.invoiceID(north, "N-1"): true, n.invoiceID(contoso, "C-1"): true, n.invoiceID(fab, "F-1"): true}
		actions := map[string]map[int64]bool{}
		for _, tok := range tokens(acme.Text) {
			c, err := n.signer.Parse(tok)
			if err != nil {
				t.Fatalf("link does not verify: %v", err)
			}
			if actions[c.Action] == nil {
				actions[c.Action] = map[int64]bool{}
			}
			actions[c.Action][c.InvoiceID] = true
		}
		for _, a := range []string{links.ActionPay, links.ActionApplyCredit, links.ActionAsk, links.ActionDispute} {
			for id := range ids {
				if !actions[a][id] {
					t.Errorf("invoice %d has no %s link", id, a)
				}
			}
		}
		for _, a := range []string{links.ActionInbox, links.ActionPreferences, links.ActionUnsubscribe} {
			if len(actions[a]) == 0 {
				t.Errorf("no %s link", a)
			}
		}

		// The same slot again sends nothing.
		before := len(n.messages())
		n.setNow("2026-11-23T16:00:00Z")
		if rep := run(t, r); rep.Sent() != 0 || rep.Skipped[bundler.ReasonAlreadySent] != 2 {
			t.Fatalf("second pass: %+v", rep)
		}
		if len(n.messages()) != before {
			t.Fatal("the same slot was sent twice")
		}

		// A week later: N-1 was paid, C-1 disputed; F-1 falls due and triggers.
		paid := int64(0)
		n.push(north, "N-1", "ap@acme.example", "2026-11-20", 120000, func(in *vendors.InvoiceInput) { in.AmountRemaining = &paid })
		payerID := payerOf(t, n, contoso)
		if _, err := n.payers.PlaceHold(context.Background(), payerID, payers.Hold{VendorID: contoso,
			InvoiceID: n.invoiceID(contoso, "C-1"), Kind: payers.HoldDispute}); err != nil {
			t.Fatal(err)
		}
		// The other payer, told on Monday that its invoice is overdue, is
		// not written to again for that alone within OverdueQuiet days.
		n.setNow("2026-11-30T09:30:00Z")
		rep = run(t, r)
		if rep.Sent() != 1 || rep.Skipped[bundler.ReasonNotTriggered] != 1 {
			t.Fatalf("next Monday: %+v", rep)
		}
		next := n.messages()[0]
		if next.To[0] != "ap@acme.example" {
			t.Fatalf("next Monday's digest went to %v", next.To)
		}
		if strings.Contains(next.Text, "N-1") {
			t.Error("a paid invoice is still in the digest")
		}
		onHold := next.Text[strings.Index(next.Text, "Contoso Paper"):]
		if !strings.Contains(onHold, "C-1") || !strings.Contains(strings.ToLower(onHold), "on hold") || !strings.Contains(onHold, "Disputed") {
			t.Errorf("the disputed invoice is not under on hold:\n%s", next.Text)
		}
		if !strings.Contains(next.Subject, "USD 999.00 due") {
			t.Errorf("held invoice counted in the amount due: %q", next.Subject)
		}
	})
}

func payerOf(t *testing.T, n *network, vendorID int64) int64 {
	var id int64
	if err := n.db.Gorm.Table("customers").Select("payer_id").Where("vendor_id = ?", vendorID).Limit(1).Scan(&id).Error; err != nil {
		t.Fatal(err)
	}
	return id
}

// tokens returns the link tokens written in a digest's text part.
func tokens(text string) []string {
	var out []string
	for _, f := range strings.Fields(text) {
		if i := strings.Index(f, "https://hub.example/l/"); i >= 0 {
			out = append(out, strings.TrimRight(f[i+len("https://hub.example/l/"):], ">)."))
		}
	}
	return out
}

// TestCatchUpAfterDowntimeSendsOne: the hub was down Monday to Wednesday
// afternoon; the payer gets one digest, not one per missed window.
func TestCatchUpAfterDowntimeSendsOne(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNetwork(t, db, time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC))
		v := n.vendor("Northwind", "")
		n.push(v, "N-1", "ap@acme.example", "2026-11-16", 1000)
		r := n.runner(nil)
		run(t, r)
		run(t, r)
		if got := len(n.messages()); got != 1 {
			t.Fatalf("%d digests after downtime, want 1", got)
		}
		var e bundler.Entry
		db.Gorm.First(&e)
		if !e.Slot.Equal(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)) {
			t.Fatalf("slot = %v, want Wednesday's window", e.Slot)
		}
	})
}

// TestNeverTwiceUnderConcurrency: several runners on one database run the
// same due set at once; every digest goes out exactly once.
func TestNeverTwiceUnderConcurrency(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNetwork(t, db, time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
		v := n.vendor("Northwind", "")
		w := n.vendor("Contoso", "")
		for i := range 30 {
			n.push(v, fmt.Sprint("N-", i), fmt.Sprintf("ap%d@payer.example", i), "2026-11-20", 1000)
			n.push(w, fmt.Sprint("W-", i), fmt.Sprintf("ap%d@payer.example", i), "2026-11-23", 500)
		}
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := n.runner(nil).RunOnce(context.Background()); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		msgs := n.messages()
		seen := map[string]int{}
		for _, m := range msgs {
			seen[m.To[0]]++
		}
		if len(msgs) != 30 || len(seen) != 30 {
			t.Fatalf("%d messages to %d payers, want 30 to 30", len(msgs), len(seen))
		}
	})
}

// TestHeldAndMutedAndPausedAreHonoured checks each hold reason stops
// triggering, and a payer's mute and pause.
func TestHeldAndMutedAndPausedAreHonoured(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		n := newNetwork(t, db, time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
		v := n.vendor("Northwind", "")
		n.push(v, "N-1", "held@payer.example", "2026-11-20", 1000)
		n.push(v, "N-2", "muted@payer.example", "2026-11-20", 1000)
		n.push(v, "N-3", "paused@payer.example", "2026-11-20", 1000)
		until := n.clock().Add(5 * 24 * time.Hour)
		held := payerOfEmail(t, n, "held@payer.example")
		n.payers.PlaceHold(ctx, held, payers.Hold{VendorID: v, InvoiceID: n.invoiceID(v, "N-1"), Kind: payers.HoldPromise, Until: &until})
		n.payers.Mute(ctx, payerOfEmail(t, n, "muted@payer.example"), v)
		db.Gorm.Table("payers").Where("id = ?", payerOfEmail(t, n, "paused@payer.example")).Update("paused_until", until)

		rep := run(t, n.runner(map[notify.Channel]notify.Sender{notify.Email: n.outbox}))
		if rep.Sent() != 0 || rep.Skipped[bundler.ReasonPaused] != 1 || rep.Skipped[bundler.ReasonNotTriggered] != 2 {
			t.Fatalf("report %+v", rep)
		}
		// The promise lapses unpaid: reminders resume.
		n.setNow("2026-11-30T10:00:00Z")
		rep = run(t, n.runner(map[notify.Channel]notify.Sender{notify.Email: n.outbox}))
		if len(n.messages()) != 2 || rep.Sent() != 2 {
			t.Fatalf("after the promise and pause lapsed: %d messages, %+v", len(n.messages()), rep)
		}
	})
}

func payerOfEmail(t *testing.T, n *network, email string) int64 {
	var id int64
	n.db.Gorm.Table("payers").Select("id").Where("key = ?", "email:"+email).Scan(&id)
	if id == 0 {
		t.Fatalf("no payer %s", email)
	}
	return id
}

// TestLargeDigestStaysUnderClippingSize: a payer owing 75 invoices gets a
// digest that lists the most urgent 30, counts all 75, and stays small
// enough that Gmail does not clip away the unsubscribe link.
func TestLargeDigestStaysUnderClippingSize(t *testing.T) {
	n := newNetwork(t, dbtest.SQLite(t), time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	vs := []int64{n.vendor("Northwind", "northwind.example"), n.vendor("Contoso", "contoso.example"), n.vendor("Fabrikam", "fabrikam.example")}
	for i := range 75 {
		due := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -i).Format("2006-01-02")
		n.push(vs[i%3], fmt.Sprintf("INV-%03d", i), "ap@acme.example", due, 1000, func(in *vendors.InvoiceInput) {
			in.Memo = strings.Repeat("Pallets of paper, delivered to dock 4. ", 5)
		})
	}
	run(t, n.runner(map[notify.Channel]notify.Sender{notify.Email: n.outbox}))
	m := n.messages()[0]
	if !strings.HasPrefix(m.Subject, "3 vendors · 75 invoices · USD 750.00 due") {
		t.Errorf("subject = %q", m.Subject)
	}
	if len(m.HTML) > 102*1024 {
		t.Errorf("HTML is %d bytes: Gmail clips it", len(m.HTML))
	}
	if !strings.Contains(m.Text, "And 45 more") || !strings.Contains(m.HTML, "And 45 more") {
		t.Error("the omitted invoices are not announced")
	}
	if !strings.Contains(m.Text, "INV-074") || strings.Contains(m.Text, "INV-000 ") {
		t.Error("the most overdue invoices should be listed first, the latest-due ones omitted")
	}
}
