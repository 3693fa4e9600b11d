package jobs_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/jobs"
	"github.com/duehub/duehub/links"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/notify/outbox"
	"github.com/duehub/duehub/notify/sendgrid"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// tuesday is the clock of these tests: the default rhythm sends on Tuesdays.
var tuesday = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

func clock() time.Time { return tuesday }

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// seed pushes one overdue invoice for each address.
func seed(t *testing.T, db *database.DB, emails ...string) (*payers.Store, *vendors.Store) {
	t.Helper()
	ps := payers.NewStore(db.Gorm, clock)
	vs := vendors.NewStore(db.Gorm, ps, clock)
	v, err := vs.CreateVendor(context.Background(), vendors.NewVendor{Name: "Northwind"})
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range emails {
		amount := int64(1000 + i)
		_, err := vs.PushInvoices(context.Background(), v.ID, []vendors.InvoiceInput{{
			ExternalID: fmt.Sprint("INV-", i), Currency: "USD", AmountDue: &amount, DueDate: "2026-11-20",
			Customer: vendors.CustomerInput{ExternalID: fmt.Sprint("C-", i), Email: e},
		}})
		if err != nil {
			t.Fatal(err)
		}
	}
	return ps, vs
}

func runner(db *database.DB, ps *payers.Store, vs *vendors.Store, email notify.Sender) *bundler.Runner {
	return bundler.NewRunner(bundler.Config{
		DB: db.Gorm, Payers: ps, Vendors: vs, Senders: map[notify.Channel]notify.Sender{notify.Email: email},
		Links:   runnerLinks(),
		BaseURL: "https://hub.example", From: "reminders@hub.example", Now: clock, Log: quiet(),
	})
}

func runnerLinks() *links.Signer {
	return links.NewSigner("secret-secret-secret-secret-secret", "https://hub.example", time.Now)
}

// start runs a River client of the dialect on db until the test ends.
func start(t *testing.T, db *database.DB, r *bundler.Runner) {
	t.Helper()
	startWith(t, db, jobs.Config{Runner: r, Log: quiet(), PlanEvery: time.Second})
}

// startWith runs a River client of the dialect on db with cfg until the test ends.
func startWith(t *testing.T, db *database.DB, cfg jobs.Config) {
	t.Helper()
	ctx := context.Background()
	var client jobs.Client
	var err error
	if db.Postgres() {
		pool, perr := pgxpool.New(ctx, db.URL)
		if perr != nil {
			t.Fatal(perr)
		}
		t.Cleanup(pool.Close)
		driver := riverpgxv5.New(pool)
		if err := jobs.Migrate(ctx, driver, false); err != nil {
			t.Fatal(err)
		}
		client, err = jobs.Start(ctx, driver, cfg)
	} else {
		driver := riversqlite.New(db.SQL)
		if err := jobs.Migrate(ctx, driver, false); err != nil {
			t.Fatal(err)
		}
		client, err = jobs.Start(ctx, driver, cfg)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		client.Stop(stop)
	})
}

// waitSettled waits until no ledger row is pending or sending.
func waitSettled(t *testing.T, db *database.DB, want int) []bundler.Entry {
	t.Helper()
	return waitSettledWithin(t, db, want, 45*time.Second)
}

// waitSettledWithin is waitSettled with its own bound.
func waitSettledWithin(t *testing.T, db *database.DB, want int, within time.Duration) []bundler.Entry {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		var rows []bundler.Entry
		db.Gorm.Order("id").Find(&rows)
		settled := len(rows) == want
		for _, r := range rows {
			if r.Status == bundler.StatusPending || r.Status == bundler.StatusSending {
				settled = false
			}
		}
		if settled {
			return rows
		}
		time.Sleep(100 * time.Millisecond)
	}
	var rows []bundler.Entry
	db.Gorm.Find(&rows)
	t.Fatalf("digests never settled: %+v", rows)
	return nil
}

// TestTwoClientsSendEachDigestOnce runs two River clients, each with its own
// runner, on one database: every payer gets exactly one digest.
func TestTwoClientsSendEachDigestOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		emails := make([]string, 25)
		for i := range emails {
			emails[i] = fmt.Sprintf("ap%d@payer.example", i)
		}
		ps, vs := seed(t, db, emails...)
		box := outbox.New(db.Gorm, time.Now)
		start(t, db, runner(db, ps, vs, box))
		start(t, db, runner(db, ps, vs, box))
		waitSettled(t, db, 25)
		time.Sleep(1500 * time.Millisecond) // another planning pass on each client
		msgs, _ := box.List(context.Background(), 0)
		per := map[string]int{}
		for _, m := range msgs {
			per[m.To[0]]++
		}
		if len(msgs) != 25 || len(per) != 25 {
			t.Fatalf("%d messages to %d payers, want 25 to 25", len(msgs), len(per))
		}
	})
}

// fakeSendGrid answers /v3/mail/send by recipient with a scripted sequence.
type fakeSendGrid struct {
	mu     sync.Mutex
	script map[string][]func(w http.ResponseWriter)
	calls  map[string][]time.Time
}

func (f *fakeSendGrid) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	var to string
	for addr := range f.script {
		if strings.Contains(string(body), addr) {
			to = addr
		}
	}
	f.calls[to] = append(f.calls[to], time.Now())
	var step func(http.ResponseWriter)
	if s := f.script[to]; len(s) > 0 {
		step, f.script[to] = s[0], s[1:]
	}
	f.mu.Unlock()
	if step == nil {
		step = accepted
	}
	step(w)
}

func accepted(w http.ResponseWriter) {
	w.Header().Set("X-Message-Id", "sg-ok")
	w.WriteHeader(http.StatusAccepted)
}

func status(code int, headers ...string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(code)
		if code == http.StatusBadRequest {
			fmt.Fprint(w, `{"errors":[{"message":"Does not contain a valid address.","field":"personalizations.0.to.0.email"}]}`)
		}
	}
}

func hang(w http.ResponseWriter) { time.Sleep(1500 * time.Millisecond) }

// TestProviderFaults sends through the real sendgrid-go client to a local
// fake that fails on cue, with River doing the retries.
func TestProviderFaults(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		fake := &fakeSendGrid{calls: map[string][]time.Time{}, script: map[string][]func(http.ResponseWriter){
			"flaky@payer.example":   {status(500)},
			"limited@payer.example": {status(429, "Retry-After", "2")},
			"slow@payer.example":    {hang},
			"bad@payer.example":     {status(400)},
		}}
		srv := httptest.NewServer(fake)
		defer srv.Close()
		sg, err := sendgrid.New(sendgrid.Config{APIKey: "SG.test", Host: srv.URL, From: "reminders@hub.example", Timeout: 500 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		ps, vs := seed(t, db, "flaky@payer.example", "limited@payer.example", "slow@payer.example", "bad@payer.example")
		start(t, db, runner(db, ps, vs, sg))
		rows := waitSettled(t, db, 4)

		byTo := map[string]bundler.Entry{}
		for _, r := range rows {
			var to string
			db.Gorm.Table("payers").Select("substr(key, 7)").Where("id = ?", r.PayerID).Scan(&to)
			byTo[to] = r
		}
		for _, to := range []string{"flaky@payer.example", "limited@payer.example", "slow@payer.example"} {
			if e := byTo[to]; e.Status != bundler.StatusSent || e.Attempts != 2 {
				t.Errorf("%s: status %s after %d attempts, want sent after 2", to, e.Status, e.Attempts)
			}
			if n := len(fake.calls[to]); n != 2 {
				t.Errorf("%s: %d requests reached the provider, want 2", to, n)
			}
		}
		if calls := fake.calls["limited@payer.example"]; len(calls) == 2 && calls[1].Sub(calls[0]) < 2*time.Second {
			t.Errorf("retried %v after a Retry-After of 2s", calls[1].Sub(calls[0]))
		}
		bad := byTo["bad@payer.example"]
		if bad.Status != bundler.StatusFailed || len(fake.calls["bad@payer.example"]) != 1 {
			t.Errorf("invalid address: status %s after %d requests, want failed after 1", bad.Status, len(fake.calls["bad@payer.example"]))
		}
		var suppressed int64
		db.Gorm.Table("suppressions").Where("channel = 'email' AND address = ?", "bad@payer.example").Count(&suppressed)
		if suppressed != 1 {
			t.Error("the invalid address was not suppressed")
		}
		var attempts int64
		db.Gorm.Table("delivery_attempts").Count(&attempts)
		if attempts != 7 {
			t.Errorf("%d delivery attempts recorded, want 7", attempts)
		}
	})
}
