package bundler_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// scripted is a provider that fails the addresses it is told to and
// counts what it accepted, by first recipient.
type scripted struct {
	mu   sync.Mutex
	fail map[string]error
	sent map[string]int
	msgs map[string]notify.Message
}

func newScripted() *scripted {
	return &scripted{fail: map[string]error{}, sent: map[string]int{}, msgs: map[string]notify.Message{}}
}

func (s *scripted) Send(_ context.Context, m notify.Message) (notify.Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail[m.To[0]]; err != nil {
		return notify.Result{}, err
	}
	s.sent[m.To[0]]++
	s.msgs[m.To[0]] = m
	return notify.Result{ProviderID: "p-" + m.ID}, nil
}

// runnerWith is n.runner with cfg edited.
func (n *network) runnerWith(senders map[notify.Channel]notify.Sender, edit func(*bundler.Config)) *bundler.Runner {
	cfg := bundler.Config{
		DB: n.db.Gorm, Payers: n.payers, Vendors: n.vendors, Senders: senders, Links: n.signer,
		BaseURL: "https://hub.example", From: "reminders@hub.example", FromName: "duehub",
		Now: n.clock, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if edit != nil {
		edit(&cfg)
	}
	return bundler.NewRunner(cfg)
}

func planned(t *testing.T, r *bundler.Runner) []bundler.PendingEntry {
	t.Helper()
	if _, err := r.Plan(context.Background()); err != nil {
		t.Fatal(err)
	}
	pending, err := r.PendingEntries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return pending
}

func ledgerOf(t *testing.T, db *database.DB) map[int64]bundler.Entry {
	t.Helper()
	var rows []bundler.Entry
	if err := db.Gorm.Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[int64]bundler.Entry{}
	for _, r := range rows {
		out[r.ID] = r
	}
	return out
}

// TestBatchSettlesEachOutcome sends one batch holding every way a row can
// end: sent (email and SMS), a provider's permanent failure, a transient one
// with Retry-After, nothing left to remind of, a payer paused after
// planning, no reachable recipient, and a slot gone stale. Each row ends as
// Send always left it, with its attempt logged and, for the sent ones, the
// vendors' digest.delivered events.
func TestBatchSettlesEachOutcome(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		n := newNetwork(t, db, time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC))
		v := n.vendor("Northwind", "")
		w := n.vendor("Contoso", "")
		for _, who := range []string{"ok1", "ok2", "bad", "busy", "paid", "paused", "gone", "stale"} {
			n.push(v, "N-"+who, who+"@payer.example", "2026-11-20", 1000)
		}
		n.push(w, "W-ok1", "ok1@payer.example", "2026-11-23", 500)
		n.push(v, "N-sms", "sms@payer.example", "2026-11-20", 700, func(in *vendors.InvoiceInput) {
			in.Customer.Phone, in.Customer.SMSConsent, in.Customer.SMSConsentSource = "+15551230000", true, "checkout"
		})
		box := newScripted()
		box.fail["bad@payer.example"] = &notify.Error{Permanent: true, Suppress: true, Address: "bad@payer.example", Code: "400", Err: errors.New("invalid address")}
		box.fail["busy@payer.example"] = &notify.Error{RetryAfter: 30 * time.Second, Code: "429", Err: errors.New("slow down")}
		r := n.runner(map[notify.Channel]notify.Sender{notify.Email: box, notify.SMS: box})
		pending := planned(t, r)
		if len(pending) != 10 {
			t.Fatalf("%d rows planned, want 9 emails and 1 SMS", len(pending))
		}
		// Between planning and sending: an invoice paid, a payer paused, an
		// address suppressed, a slot two days old.
		zero := int64(0)
		n.push(v, "N-paid", "paid@payer.example", "2026-11-20", 1000, func(in *vendors.InvoiceInput) { in.AmountRemaining = &zero })
		db.Gorm.Table("payers").Where("id = ?", payerOfEmail(t, n, "paused@payer.example")).Update("paused_until", n.clock().Add(48*time.Hour))
		if err := n.payers.Suppress(ctx, "email", "gone@payer.example", payers.SuppressBounce, "test"); err != nil {
			t.Fatal(err)
		}
		db.Gorm.Model(&bundler.Entry{}).Where("payer_id = ?", payerOfEmail(t, n, "stale@payer.example")).Update("slot", n.clock().Add(-48*time.Hour))

		ids := make([]int64, 0, len(pending)+1)
		var emailIDs []int64
		for _, p := range pending {
			ids = append(ids, p.ID)
			if p.Channel == "email" {
				emailIDs = append(emailIDs, p.ID)
			}
		}
		ids = append(ids, ids[0]) // named twice: the second is skipped, not sent twice
		results, err := r.SendBatch(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		if len(results) != len(ids) || results[len(ids)-1].Outcome != bundler.OutcomeSkipped {
			t.Fatalf("results %+v", results)
		}
		byPayer := map[int64]bundler.Result{}
		ledger := ledgerOf(t, db)
		for _, res := range results[:len(ids)-1] {
			byPayer[ledger[res.ID].PayerID] = res
		}
		smsRow := func() bundler.Entry {
			for _, e := range ledger {
				if e.Channel == "sms" {
					return e
				}
			}
			t.Fatal("no SMS row")
			return bundler.Entry{}
		}()
		want := []struct {
			who, outcome, status, attempt, lastError string
		}{
			{"ok1", bundler.OutcomeSent, bundler.StatusSent, "sent", ""},
			{"ok2", bundler.OutcomeSent, bundler.StatusSent, "sent", ""},
			{"bad", bundler.OutcomeFailed, bundler.StatusFailed, "failed", "invalid address"},
			{"busy", bundler.OutcomeRetry, bundler.StatusPending, "retry", "slow down"},
			{"paid", bundler.OutcomeEmpty, bundler.StatusEmpty, "", ""},
			{"paused", bundler.OutcomeEmpty, bundler.StatusEmpty, "", "payer paused reminders"},
			{"gone", bundler.OutcomeFailed, bundler.StatusFailed, "failed", "no reachable recipient"},
			{"stale", bundler.OutcomeExpired, bundler.StatusExpired, "", ""},
		}
		for _, c := range want {
			payer := payerOfEmail(t, n, c.who+"@payer.example")
			res := byPayer[payer]
			var e bundler.Entry
			for _, row := range ledger {
				if row.PayerID == payer && row.Channel == "email" {
					e = row
				}
			}
			if res.Outcome != c.outcome || e.Status != c.status || e.Attempts != 1 {
				t.Errorf("%s: outcome %s, row %s after %d attempts; want %s, %s after 1", c.who, res.Outcome, e.Status, e.Attempts, c.outcome, c.status)
			}
			if !strings.Contains(e.LastError, c.lastError) || (c.lastError == "" && e.LastError != "") {
				t.Errorf("%s: last_error %q, want %q", c.who, e.LastError, c.lastError)
			}
			var attempts []bundler.Attempt
			db.Gorm.Where("digest_id = ?", e.ID).Find(&attempts)
			if c.attempt == "" && len(attempts) != 0 || c.attempt != "" && (len(attempts) != 1 || attempts[0].Status != c.attempt || attempts[0].Attempt != 1) {
				t.Errorf("%s: attempts %+v, want one %q", c.who, attempts, c.attempt)
			}
		}
		if d, ok := notify.RetryAfter(byPayer[payerOfEmail(t, n, "busy@payer.example")].Err); !ok || d != 30*time.Second {
			t.Errorf("the transient failure lost its Retry-After: %v", byPayer[payerOfEmail(t, n, "busy@payer.example")].Err)
		}
		var suppressed int64
		db.Gorm.Table("suppressions").Where("channel = 'email' AND address = ?", "bad@payer.example").Count(&suppressed)
		if suppressed != 1 {
			t.Error("the invalid address was not suppressed")
		}

		// The sent rows record what went where.
		ok1 := byPayer[payerOfEmail(t, n, "ok1@payer.example")]
		e := ledger[ok1.ID]
		if e.ProviderID != fmt.Sprintf("p-digest-%d", e.ID) || e.Recipients != "ok1@payer.example" || e.SentAt == nil ||
			!strings.HasPrefix(e.Subject, "2 vendors · 2 invoices") || len(strings.Split(e.InvoiceIDs, ",")) != 2 {
			t.Errorf("sent row %+v", e)
		}
		if s := smsRow; s.Status != bundler.StatusSent || !strings.Contains(box.msgs["+15551230000"].Text, "https://hub.example/s/") {
			t.Errorf("SMS row %s, text %q", s.Status, box.msgs["+15551230000"].Text)
		}
		var links int64
		db.Gorm.Table("short_links").Where("digest_id = ?", smsRow.ID).Count(&links)
		if links != 1 {
			t.Errorf("%d short links for the SMS digest, want 1", links)
		}

		// One digest.delivered per vendor of each sent digest, naming that
		// vendor's invoices only, with a public id.
		var evs []vendors.Event
		db.Gorm.Where("type = ?", vendors.EventDigestDelivered).Order("id").Find(&evs)
		got := map[string]bool{}
		for _, ev := range evs {
			var p struct {
				DigestID   int64    `json:"digest_id"`
				InvoiceIDs []string `json:"invoice_ids"`
			}
			if err := json.Unmarshal([]byte(ev.Payload), &p); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(ev.PublicID, vendors.EventIDPrefix) || len(ev.PublicID) < 20 {
				t.Errorf("event public id %q", ev.PublicID)
			}
			for _, id := range p.InvoiceIDs {
				if (ev.VendorID == w) != strings.HasPrefix(id, "W-") {
					t.Errorf("vendor %d told of invoice %s", ev.VendorID, id)
				}
				got[id] = true
			}
		}
		// sms@payer.example has its digest on both channels.
		if len(evs) != 5 || len(got) != 4 || !got["N-ok1"] || !got["W-ok1"] || !got["N-ok2"] || !got["N-sms"] {
			t.Errorf("%d events naming %v, want 5 naming N-ok1, W-ok1, N-ok2, N-sms (by email and SMS)", len(evs), got)
		}
		if len(box.sent) != 4 {
			t.Errorf("provider accepted %v, want ok1, ok2 and sms@ by email and SMS", box.sent)
		}
		// A second batch of the same ids claims only the row back to pending.
		box.fail["busy@payer.example"] = nil
		again, err := r.SendBatch(ctx, emailIDs)
		if err != nil {
			t.Fatal(err)
		}
		sent := 0
		for _, res := range again {
			if res.Outcome == bundler.OutcomeSent {
				sent++
			} else if res.Outcome != bundler.OutcomeSkipped {
				t.Errorf("second batch: %+v", res)
			}
		}
		if sent != 1 || box.sent["busy@payer.example"] != 1 || box.sent["ok1@payer.example"] != 1 {
			t.Errorf("second batch sent %d, provider %v", sent, box.sent)
		}
	})
}

// statements counts the statements gorm runs on db while counting is on.
type statements struct {
	on bool
	n  atomic.Int64
}

func countStatements(t *testing.T, db *gorm.DB) *statements {
	t.Helper()
	s := &statements{}
	count := func(*gorm.DB) {
		if s.on {
			s.n.Add(1)
		}
	}
	cb := db.Callback()
	for name, err := range map[string]error{
		"query":  cb.Query().After("gorm:query").Register("test:count", count),
		"create": cb.Create().After("gorm:create").Register("test:count", count),
		"update": cb.Update().After("gorm:update").Register("test:count", count),
		"delete": cb.Delete().After("gorm:delete").Register("test:count", count),
		"row":    cb.Row().After("gorm:row").Register("test:count", count),
		"raw":    cb.Raw().After("gorm:raw").Register("test:count", count),
	} {
		if err != nil {
			t.Fatalf("register %s counter: %v", name, err)
		}
	}
	return s
}

// TestBatchRoundTripsDoNotGrowWithTheBatch: a batch of 20 digests and one of
// 200 run the same few statements (8 for email); the per-row path ran 11
// per digest, in three transactions.
func TestBatchRoundTripsDoNotGrowWithTheBatch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
		n := newNetwork(t, db, now)
		seedDuePayers(t, db, n.vendor("Northwind", ""), 220, "2026-11-20", now)
		r := n.runnerWith(map[notify.Channel]notify.Sender{notify.Email: discard{}}, func(c *bundler.Config) {
			c.SettleEvery = time.Hour // one settling transaction per batch, however slow this machine
		})
		pending := planned(t, r)
		if len(pending) != 220 {
			t.Fatalf("%d pending", len(pending))
		}
		counter := countStatements(t, db.Gorm)
		var counts []int64
		for _, batch := range [][]bundler.PendingEntry{pending[:20], pending[20:]} {
			ids := make([]int64, len(batch))
			for i, p := range batch {
				ids[i] = p.ID
			}
			counter.n.Store(0)
			counter.on = true
			results, err := r.SendBatch(ctx, ids)
			counter.on = false
			if err != nil {
				t.Fatal(err)
			}
			for _, res := range results {
				if res.Outcome != bundler.OutcomeSent {
					t.Fatalf("%+v", res)
				}
			}
			counts = append(counts, counter.n.Load())
		}
		if counts[0] != counts[1] || counts[1] > 10 {
			t.Errorf("statements per batch of 20 and of 200: %v, want the same few", counts)
		}
		t.Logf("statements per batch: %v", counts)
	})
}

// TestBatchSettleRetriedAfterAFault: the settling transaction fails once
// after the messages went out; it is tried again, and every payer has one
// digest, settled sent. When it keeps failing, the rows stay sending (not
// pending: nothing goes out again at once) and the stuck-row rescue offers
// them again later.
func TestBatchSettleRetriedAfterAFault(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
		n := newNetwork(t, db, now)
		seedDuePayers(t, db, n.vendor("Northwind", ""), 30, "2026-11-20", now)
		box := newScripted()
		r := n.runner(map[notify.Channel]notify.Sender{notify.Email: box})
		var failures atomic.Int64
		err := db.Gorm.Callback().Raw().Before("gorm:raw").Register("test:fault", func(tx *gorm.DB) {
			if strings.Contains(tx.Statement.SQL.String(), "UPDATE digests SET status = v.column2") && failures.Add(-1) >= 0 {
				tx.AddError(errors.New("injected: connection reset"))
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		ids := func() []int64 {
			var out []int64
			for _, p := range planned(t, r) {
				out = append(out, p.ID)
			}
			return out
		}
		failures.Store(1)
		results, err := r.SendBatch(ctx, ids())
		if err != nil {
			t.Fatal(err)
		}
		for _, res := range results {
			if res.Outcome != bundler.OutcomeSent || res.Err != nil || ledgerOf(t, db)[res.ID].Status != bundler.StatusSent {
				t.Fatalf("after one failed settle: %+v", res)
			}
		}
		if len(box.sent) != 30 {
			t.Fatalf("%d payers reached, want 30", len(box.sent))
		}

		// Two weeks later (a payer told its invoice is overdue hears of it again
		// after OverdueQuiet days) the database stays down for the whole settling.
		n.setNow("2026-12-07T10:00:00Z")
		failures.Store(100)
		results, err = r.SendBatch(ctx, ids())
		if err == nil || len(results) != 30 || results[0].Outcome != bundler.OutcomeSent || results[0].Err == nil {
			t.Fatalf("a settle that never commits: %v %+v", err, results[0])
		}
		for _, e := range ledgerOf(t, db) {
			if e.SentAt != nil && e.SentAt.After(now) || e.Status == bundler.StatusPending {
				t.Fatalf("row %d is %s: a row whose message went out must stay sending", e.ID, e.Status)
			}
		}
		if pending, _ := r.PendingEntries(ctx); len(pending) != 0 {
			t.Fatalf("%d rows offered again at once", len(pending))
		}
		failures.Store(0)
		n.setNow("2026-12-07T10:30:00Z")
		pending, err := r.PendingEntries(ctx)
		if err != nil || len(pending) != 30 {
			t.Fatalf("after StuckAfter the rescue offers %d rows (%v), want 30", len(pending), err)
		}
	})
}

// TestBatchHoldsSMSUntilMorning: an SMS planned by day and sent at night
// goes back to pending with a Retry-After that ends at 08:00 payer-local;
// the email of the same payer in the same batch goes out.
func TestBatchHoldsSMSUntilMorning(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNetwork(t, db, time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC))
		v := n.vendor("Northwind", "")
		n.push(v, "N-1", "sms@payer.example", "2026-11-20", 700, func(in *vendors.InvoiceInput) {
			in.Customer.Phone, in.Customer.SMSConsent, in.Customer.SMSConsentSource = "+15551230000", true, "checkout"
		})
		box := newScripted()
		r := n.runner(map[notify.Channel]notify.Sender{notify.Email: box, notify.SMS: box})
		var ids []int64
		for _, p := range planned(t, r) {
			ids = append(ids, p.ID)
		}
		n.setNow("2026-11-23T22:00:00Z") // the payer is on UTC
		results, err := r.SendBatch(context.Background(), ids)
		if err != nil {
			t.Fatal(err)
		}
		ledger := ledgerOf(t, db)
		for _, res := range results {
			e := ledger[res.ID]
			switch e.Channel {
			case "sms":
				wait, ok := notify.RetryAfter(res.Err)
				if res.Outcome != bundler.OutcomeRetry || e.Status != bundler.StatusPending || !ok || wait != 10*time.Hour ||
					!strings.Contains(e.LastError, "08:00-21:00") {
					t.Errorf("SMS at night: %+v, row %s %q, wait %v", res, e.Status, e.LastError, wait)
				}
			case "email":
				if res.Outcome != bundler.OutcomeSent || e.Status != bundler.StatusSent {
					t.Errorf("email: %+v, row %s", res, e.Status)
				}
			}
		}
		if len(results) != 2 || box.sent["+15551230000"] != 0 || box.sent["sms@payer.example"] != 1 {
			t.Errorf("%d results, provider got %v", len(results), box.sent)
		}
	})
}

// freezing accepts limit messages, then hangs every send until its context
// ends: a process frozen (or killed) in the middle of a batch.
type freezing struct {
	mu       sync.Mutex
	limit    int
	accepted map[string]int
}

func (f *freezing) Send(ctx context.Context, m notify.Message) (notify.Result, error) {
	f.mu.Lock()
	if len(f.accepted) < f.limit {
		f.accepted[m.To[0]]++
		f.mu.Unlock()
		return notify.Result{ProviderID: "frozen-" + m.ID}, nil
	}
	f.mu.Unlock()
	<-ctx.Done()
	return notify.Result{}, ctx.Err()
}

// TestFrozenBatchLosesNothingAndSendsNothingTwice: a batch of 30 stops
// dead after 10 messages went out. What was sent is settled within
// SettleEvery while the rest hangs; once the claim is older than StuckAfter
// another runner sends the other 20, and each payer has exactly one digest.
// When the frozen batch finally gives up, it overwrites nothing.
func TestFrozenBatchLosesNothingAndSendsNothingTwice(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
		n := newNetwork(t, db, now)
		seedDuePayers(t, db, n.vendor("Northwind", ""), 30, "2026-11-20", now)
		frozen := &freezing{limit: 10, accepted: map[string]int{}}
		r1 := n.runnerWith(map[notify.Channel]notify.Sender{notify.Email: frozen}, func(c *bundler.Config) {
			c.SettleEvery, c.SendConcurrency = 100*time.Millisecond, 2
		})
		var ids []int64
		for _, p := range planned(t, r1) {
			ids = append(ids, p.ID)
		}
		begin := time.Now()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan []bundler.Result, 1)
		go func() {
			res, _ := r1.SendBatch(ctx, ids)
			done <- res
		}()
		count := func(status string) int64 {
			var c int64
			db.Gorm.Model(&bundler.Entry{}).Where("status = ?", status).Count(&c)
			return c
		}
		for deadline := time.Now().Add(20 * time.Second); count(bundler.StatusSent) < 10; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the 10 messages that went out were never settled: %d sent", count(bundler.StatusSent))
			}
		}
		if count(bundler.StatusSending) != 20 {
			t.Fatalf("%d rows sending, want the 20 the frozen batch holds", count(bundler.StatusSending))
		}

		t.Logf("10 settled after %v", time.Since(begin))
		n.setNow("2026-11-23T10:11:00Z") // past StuckAfter
		box := newScripted()
		rep := run(t, n.runner(map[notify.Channel]notify.Sender{notify.Email: box}))
		if rep.Sent() != 20 {
			t.Fatalf("the second runner sent %d, want the 20 left: %+v", rep.Sent(), rep)
		}
		t.Logf("20 sent after %v", time.Since(begin))
		cancel()
		results := <-done
		t.Logf("frozen batch returned after %v", time.Since(begin))
		for _, res := range results {
			if res.Outcome == bundler.OutcomeSent {
				continue
			}
			if res.Outcome != bundler.OutcomeRetry {
				t.Errorf("frozen batch: %+v", res)
			}
		}
		per := map[string]int{}
		for to, c := range frozen.accepted {
			per[to] += c
		}
		for to, c := range box.sent {
			per[to] += c
		}
		for to, c := range per {
			if c != 1 {
				t.Errorf("%s got %d digests", to, c)
			}
		}
		if len(per) != 30 || count(bundler.StatusSent) != 30 {
			t.Errorf("%d payers reached, %d rows sent; want 30 and 30", len(per), count(bundler.StatusSent))
		}
	})
}

// blocking holds every send until released.
type blocking struct {
	started chan struct{}
	release chan struct{}
}

func (b *blocking) Send(ctx context.Context, m notify.Message) (notify.Result, error) {
	b.started <- struct{}{}
	<-b.release
	return notify.Result{ProviderID: "slow-" + m.ID}, nil
}

// TestSlowBatchKeepsItsLease: a send that takes longer than StuckAfter does
// not make its row look abandoned: the live batch renews the claim, the
// rescue offers nothing, and the row ends sent once.
func TestSlowBatchKeepsItsLease(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
		n := newNetwork(t, db, now)
		seedDuePayers(t, db, n.vendor("Northwind", ""), 1, "2026-11-20", now)
		slow := &blocking{started: make(chan struct{}, 1), release: make(chan struct{})}
		r := n.runnerWith(map[notify.Channel]notify.Sender{notify.Email: slow}, func(c *bundler.Config) {
			c.LeaseRenewEvery = 20 * time.Millisecond
		})
		pending := planned(t, r)
		done := make(chan []bundler.Result, 1)
		go func() {
			res, err := r.SendBatch(context.Background(), []int64{pending[0].ID})
			if err != nil {
				t.Error(err)
			}
			done <- res
		}()
		<-slow.started
		n.setNow("2026-11-23T10:05:00Z") // the provider has been at it for five minutes
		time.Sleep(200 * time.Millisecond)
		if again, err := r.PendingEntries(context.Background()); err != nil || len(again) != 0 {
			t.Fatalf("a live batch's row was offered again: %v %v", again, err)
		}
		close(slow.release)
		if res := <-done; res[0].Outcome != bundler.OutcomeSent || ledgerOf(t, db)[pending[0].ID].Status != bundler.StatusSent {
			t.Fatalf("%+v", res)
		}
	})
}
