package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/jobs"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/notify/outbox"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
)

// teamWorld is a hub with a settable clock, its stores, the dev outbox and
// a TeamMail sending to it.
type teamWorld struct {
	t       *testing.T
	now     time.Time
	mu      sync.Mutex
	payers  *payers.Store
	threads *threads.Store
	vendors *vendors.Store
	box     *outbox.Store
	payer   int64
}

func newTeamWorld(t *testing.T, db *database.DB, start time.Time) *teamWorld {
	w := &teamWorld{t: t, now: start}
	w.payers = payers.NewStore(db.Gorm, w.clock)
	w.vendors = vendors.NewStore(db.Gorm, w.payers, w.clock)
	w.threads = threads.NewStore(db.Gorm, w.payers, w.clock)
	w.box = outbox.New(db.Gorm, w.clock)
	return w
}

func (w *teamWorld) clock() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

func (w *teamWorld) set(t time.Time) {
	w.mu.Lock()
	w.now = t
	w.mu.Unlock()
}

func (w *teamWorld) team(mailer notify.Sender) *jobs.TeamMail {
	return jobs.NewTeamMail(jobs.TeamMailConfig{Vendors: w.vendors, Payers: w.payers, Threads: w.threads, Mailer: mailer,
		From: "hub@hub.example", BaseURL: "https://hub.example", Now: w.clock, Log: quiet()})
}

func (w *teamWorld) vendor(name, tz, support string, members ...string) int64 {
	w.t.Helper()
	ctx := context.Background()
	v, err := w.vendors.CreateVendor(ctx, vendors.NewVendor{Name: name, Timezone: tz, SupportEmail: support})
	if err != nil {
		w.t.Fatal(err)
	}
	for _, m := range members {
		if _, err := w.vendors.InviteMember(ctx, v.ID, vendors.NewMember{Email: m, Role: vendors.RoleAgent}); err != nil {
			w.t.Fatal(err)
		}
	}
	return v.ID
}

// invoice pushes an open invoice to ap@acme.example and returns its id.
func (w *teamWorld) invoice(vendorID int64, ext string) int64 {
	w.t.Helper()
	ctx := context.Background()
	amount := int64(125000)
	_, err := w.vendors.PushInvoices(ctx, vendorID, []vendors.InvoiceInput{{ExternalID: ext, Number: ext, Currency: "USD",
		AmountDue: &amount, DueDate: "2026-12-15", Customer: vendors.CustomerInput{ExternalID: "C-77", Name: "Acme Corp", Email: "ap@acme.example"}}})
	if err != nil {
		w.t.Fatal(err)
	}
	inv, err := w.vendors.GetInvoice(ctx, vendorID, ext)
	if err != nil {
		w.t.Fatal(err)
	}
	p, _ := w.payers.FindByEmail(ctx, "ap@acme.example")
	w.payer = p.ID
	return inv.ID
}

func (w *teamWorld) ask(invoiceID int64, body string) threads.Thread {
	w.t.Helper()
	th, err := w.threads.AskQuestion(context.Background(), w.payer, invoiceID, body)
	if err != nil {
		w.t.Fatal(err)
	}
	return th
}

func (w *teamWorld) mails(prefix string) []outbox.Message {
	w.t.Helper()
	msgs, err := w.box.List(context.Background(), 0)
	if err != nil {
		w.t.Fatal(err)
	}
	var out []outbox.Message
	for _, m := range msgs {
		if strings.HasPrefix(m.MessageID, prefix) {
			out = append(out, m)
		}
	}
	return out
}

// failing is a mailer that is down.
type failing struct{}

func (failing) Send(context.Context, notify.Message) (notify.Result, error) {
	return notify.Result{}, errors.New("smtp: connection refused")
}

// refusing is a mailer whose provider refuses the message for good.
type refusing struct{}

func (refusing) Send(context.Context, notify.Message) (notify.Result, error) {
	return notify.Result{}, &notify.Error{Permanent: true, Code: "550", Err: errors.New("recipient rejected")}
}

func TestTeamIsEmailedOncePerNewThread(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		w := newTeamWorld(t, db, time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC))
		north := w.vendor("Northwind Supplies", "UTC", "ar@northwind.example", "alice@northwind.example", "bob@northwind.example")
		contoso := w.vendor("Contoso Paper", "UTC", "billing@contoso.example")
		fab := w.vendor("Fabrikam Freight", "UTC", "")
		n1, n2, n3 := w.invoice(north, "N-1"), w.invoice(north, "N-2"), w.invoice(north, "N-3")
		c1, f1 := w.invoice(contoso, "C-1"), w.invoice(fab, "F-1")
		team := w.team(w.box)

		q := w.ask(n1, "Which PO does N-1 belong to?\nWe cannot match it.")
		d, err := w.threads.OpenDispute(ctx, w.payer, c1, "not_received", 50000, "Nothing arrived.")
		if err != nil {
			t.Fatal(err)
		}
		w.ask(f1, "Fabrikam has nobody to tell")

		if n, err := team.NotifyNewThreads(ctx); err != nil || n != 2 {
			t.Fatalf("first pass sent %d (%v), want 2: Fabrikam has no member and no support address", n, err)
		}
		mails := w.mails("team-thread-")
		if len(mails) != 2 {
			t.Fatalf("%d team emails", len(mails))
		}
		byTo := map[string]outbox.Message{}
		for _, m := range mails {
			byTo[strings.Join(m.To, ",")] = m
		}
		nm, ok := byTo["alice@northwind.example,bob@northwind.example"]
		if !ok {
			t.Fatalf("Northwind's members were not emailed together: %v", byTo)
		}
		if nm.Subject != "New question from Acme Corp on invoice N-1" ||
			!strings.Contains(nm.Text, "> Which PO does N-1 belong to?\n> We cannot match it.") ||
			!strings.Contains(nm.Text, fmt.Sprintf("https://hub.example/vendor/threads/%d", q.ID)) {
			t.Errorf("Northwind's email:\n%s\n%s", nm.Subject, nm.Text)
		}
		cm, ok := byTo["billing@contoso.example"]
		if !ok {
			t.Fatal("Contoso, without members, was not emailed at its support address")
		}
		if !strings.Contains(cm.Subject, "New dispute") || !strings.Contains(cm.Text, "Reason: Goods or services not received") ||
			!strings.Contains(cm.Text, "USD 500.00") || !strings.Contains(cm.Text, fmt.Sprintf("/vendor/threads/%d", d.ID)) {
			t.Errorf("Contoso's email:\n%s\n%s", cm.Subject, cm.Text)
		}
		if strings.Contains(nm.Text, "Nothing arrived") || strings.Contains(cm.Text, "Which PO") {
			t.Error("a vendor's team was told about another vendor's thread")
		}

		if n, err := team.NotifyNewThreads(ctx); err != nil || n != 0 {
			t.Fatalf("second pass sent %d (%v), want none", n, err)
		}
		w.ask(n2, "And N-2?")
		if n, _ := team.NotifyNewThreads(ctx); n != 1 {
			t.Fatalf("a new thread: %d emails, want 1", n)
		}

		// The mailer is down: nothing is lost, the next pass sends it, once.
		w.ask(n3, "And N-3?")
		if n, err := w.team(failing{}).NotifyNewThreads(ctx); n != 0 || err == nil {
			t.Fatalf("with the mailer down: %d, %v", n, err)
		}
		if n, _ := team.NotifyNewThreads(ctx); n != 1 {
			t.Fatalf("after the mailer is back: %d emails, want 1", n)
		}
		if n, _ := team.NotifyNewThreads(ctx); n != 0 {
			t.Fatalf("again: %d", n)
		}

		// Two processes passing at once still send each email once.
		n4 := w.invoice(north, "N-4")
		for i := range 6 {
			w.ask(n4, fmt.Sprintf("Line %d?", i))
		}
		var wg sync.WaitGroup
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w.team(w.box).NotifyNewThreads(ctx)
			}()
		}
		wg.Wait()
		team.NotifyNewThreads(ctx) // anything a lost race left
		if got := len(w.mails("team-thread-")); got != 2+1+1+6 {
			t.Fatalf("%d team emails in all, want 10", got)
		}

		// An email the provider refuses for good is not retried every minute.
		w.ask(n4, "One more?")
		if n, err := w.team(refusing{}).NotifyNewThreads(ctx); n != 0 || err != nil {
			t.Fatalf("refused for good: %d %v, want nothing sent and no error to retry", n, err)
		}
		if n, _ := team.NotifyNewThreads(ctx); n != 0 {
			t.Fatalf("a refused email was retried: %d", n)
		}
	})
}

func TestDailySummaryAt0800VendorLocal(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		// Sunday 22 November 2026, 09:00 UTC: 03:00 in Chicago (UTC-6), 18:00 in Tokyo (UTC+9).
		w := newTeamWorld(t, db, time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
		chicago := w.vendor("Northwind Supplies", "America/Chicago", "", "alice@northwind.example")
		tokyo := w.vendor("Kiso Precision", "Asia/Tokyo", "keiri@kiso.example")
		w.vendor("Quiet Co", "UTC", "ar@quiet.example")
		n1, n2, n3 := w.invoice(chicago, "N-1"), w.invoice(chicago, "N-2"), w.invoice(chicago, "N-3")
		k1 := w.invoice(tokyo, "K-1")

		// A question answered after 2 hours, a dispute still open, a promise
		// to pay by Monday; a question to Kiso.
		q := w.ask(n1, "Which PO?")
		if _, err := w.threads.OpenDispute(ctx, w.payer, n2, "pricing", 1000, "Price list says 9.90"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.payers.Promise(ctx, w.payer, n3, civil.Date{Year: 2026, Month: 11, Day: 23}, 0); err != nil {
			t.Fatal(err)
		}
		w.ask(k1, "請求書の件")
		w.set(time.Date(2026, 11, 22, 11, 0, 0, 0, time.UTC))
		if _, err := w.threads.VendorReply(ctx, chicago, q.ID, "PO 4471"); err != nil {
			t.Fatal(err)
		}

		team := w.team(w.box)
		seen := 0
		step := func(at time.Time, want ...string) []outbox.Message {
			t.Helper()
			w.set(at)
			n, err := team.SendSummaries(ctx)
			all := w.mails("team-summary-")
			fresh := all[:len(all)-seen] // newest first
			seen = len(all)
			var got []string
			for _, m := range fresh {
				got = append(got, m.To[0])
			}
			slices.Sort(got)
			if err != nil || n != len(want) || !slices.Equal(got, want) {
				t.Fatalf("at %s: summaries to %v (%v), want %v", at.Format(time.RFC3339), got, err, want)
			}
			return fresh
		}
		const ch, tk = "alice@northwind.example", "keiri@kiso.example"
		step(time.Date(2026, 11, 22, 11, 30, 0, 0, time.UTC), tk) // 20:30 Sunday in Tokyo; 05:30 in Chicago
		step(time.Date(2026, 11, 22, 13, 59, 0, 0, time.UTC))     // 07:59 in Chicago
		sunday := step(time.Date(2026, 11, 22, 14, 0, 0, 0, time.UTC), ch)
		step(time.Date(2026, 11, 22, 14, 5, 0, 0, time.UTC))
		step(time.Date(2026, 11, 22, 22, 59, 0, 0, time.UTC))    // 07:59 Monday in Tokyo
		step(time.Date(2026, 11, 22, 23, 0, 0, 0, time.UTC), tk) // 08:00 Monday in Tokyo
		step(time.Date(2026, 11, 23, 13, 59, 0, 0, time.UTC))    // 07:59 Monday in Chicago
		step(time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC), ch) // 08:00 Monday in Chicago

		s := sunday[0]
		if s.Subject != "Northwind Supplies on duehub today: 1 open question, 1 open dispute" {
			t.Errorf("subject: %q", s.Subject)
		}
		for _, want := range []string{"1 question and 1 dispute, 1 awaiting your reply",
			"Dispute (Pricing is wrong, USD 10.00) on invoice N-2 from Acme Corp, 5 hours old, awaiting your reply: https://hub.example/vendor/threads/",
			"Question on invoice N-1 from Acme Corp", "first reply 2 h 0 min (median of 1 thread)", "Open your inbox: https://hub.example/vendor"} {
			if !strings.Contains(s.Text, want) {
				t.Errorf("Sunday's summary lacks %q:\n%s", want, s.Text)
			}
		}
		if strings.Contains(s.Text, "請求書") || strings.Contains(s.Text, "K-1") {
			t.Error("Northwind's summary tells of Kiso's thread")
		}

		// Monday passes unpaid; the address bounces.
		w.set(time.Date(2026, 11, 24, 1, 0, 0, 0, time.UTC))
		if _, err := w.payers.BreakPromises(ctx, w.clock()); err != nil {
			t.Fatal(err)
		}
		if err := w.payers.Suppress(ctx, "email", "ap@acme.example", payers.SuppressBounce, ""); err != nil {
			t.Fatal(err)
		}
		// Tuesday 08:00 in Chicago the mailer is down: both summaries due go
		// out at the next pass, once.
		w.set(time.Date(2026, 11, 24, 14, 0, 0, 0, time.UTC))
		if n, err := w.team(failing{}).SendSummaries(ctx); n != 0 || err == nil {
			t.Fatalf("with the mailer down: %d %v", n, err)
		}
		tuesday := step(time.Date(2026, 11, 24, 14, 1, 0, 0, time.UTC), ch, tk)
		step(time.Date(2026, 11, 24, 14, 2, 0, 0, time.UTC))
		for _, m := range tuesday {
			if m.To[0] != ch {
				continue
			}
			if m.Subject != "Northwind Supplies on duehub today: 1 open question, 1 open dispute, 1 broken promise" {
				t.Errorf("Tuesday's subject: %q", m.Subject)
			}
			for _, want := range []string{"BROKE SINCE YESTERDAY", "Acme Corp promised USD 1,250.00 on invoice N-3 by 23 Nov 2026 and has not paid",
				"Acme Corp cannot be reached at ap@acme.example (bounced)"} {
				if !strings.Contains(m.Text, want) {
					t.Errorf("Tuesday's summary lacks %q:\n%s", want, m.Text)
				}
			}
		}
	})
}

// TestRiverRunsTeamMail checks the periodic pass is registered: a new
// question reaches the team with nothing but River running.
func TestRiverRunsTeamMail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newTeamWorld(t, db, time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC))
		north := w.vendor("Northwind Supplies", "UTC", "", "alice@northwind.example")
		w.ask(w.invoice(north, "N-1"), "Which PO?")

		cfg := jobs.Config{Runner: runner(db, w.payers, w.vendors, w.box), Log: quiet(), Team: w.team(w.box), TeamEvery: time.Second}
		startWith(t, db, cfg)
		deadline := time.Now().Add(30 * time.Second)
		for len(w.mails("team-thread-")) == 0 {
			if time.Now().After(deadline) {
				t.Fatal("River never emailed the team about the new question")
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}
