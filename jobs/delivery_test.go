package jobs_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/jobs"
	"github.com/duehub/duehub/links"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/notify/outbox"
	"github.com/duehub/duehub/notify/sendgrid"
	"github.com/duehub/duehub/vendors"
)

// TestTimeoutsNest: each bound on a send sits above the one inside it, so a
// live send ends before anyone presumes it dead, and a dead process's
// digests are offered again within two minutes of the kill (lease, then
// the next rescue pass), never after River's one-hour default.
func TestTimeoutsNest(t *testing.T) {
	chain := []struct {
		name string
		d    time.Duration
	}{
		{"provider timeout", notify.ProviderTimeout},
		{"per-send deadline", notify.SendDeadline},
		{"send job timeout", jobs.SendJobTimeout},
		{"River's rescue of running jobs", jobs.RescueJobsAfter},
		{"ledger lease", bundler.StuckAfter},
	}
	if chain[0].d < 30*time.Second {
		t.Errorf("provider timeout %v: a provider that stalls after reading the message must get 30 s", chain[0].d)
	}
	for i := 1; i < len(chain); i++ {
		if chain[i].d <= chain[i-1].d {
			t.Errorf("%s (%v) is not above %s (%v)", chain[i].name, chain[i].d, chain[i-1].name, chain[i-1].d)
		}
	}
	if worst := bundler.StuckAfter + jobs.DefaultRescueEvery; worst > 105*time.Second {
		t.Errorf("a killed process's digests may wait %v before they are offered again", worst)
	}
}

// withRiver hands the River driver of db's dialect, migrated, to pg or
// lite; on PostgreSQL over a pool of its own.
func withRiver(t *testing.T, db *database.DB, pg func(riverdriver.Driver[pgx.Tx]), lite func(riverdriver.Driver[*sql.Tx])) {
	t.Helper()
	ctx := context.Background()
	if db.Postgres() {
		pool, err := pgxpool.New(ctx, db.URL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		d := riverpgxv5.New(pool)
		if err := jobs.Migrate(ctx, d, false); err != nil {
			t.Fatal(err)
		}
		pg(d)
		return
	}
	d := riversqlite.New(db.SQL)
	if err := jobs.Migrate(ctx, d, false); err != nil {
		t.Fatal(err)
	}
	lite(d)
}

// insertSends enqueues send jobs through an insert-only River client, the
// way a process would, and returns their ids in order.
func insertSends[TTx any](t *testing.T, d riverdriver.Driver[TTx], digestIDs ...int64) []int64 {
	t.Helper()
	c, err := river.NewClient(d, &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(digestIDs))
	for i, id := range digestIDs {
		res, err := c.Insert(context.Background(), jobs.SendArgs{DigestID: id}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = res.Job.ID
	}
	return ids
}

// sendJobs lists the send jobs in the given states.
func sendJobs[TTx any](t *testing.T, d riverdriver.Driver[TTx], states ...rivertype.JobState) []*rivertype.JobRow {
	t.Helper()
	c, err := river.NewClient(d, &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.JobList(context.Background(), river.NewJobListParams().Kinds(jobs.SendArgs{}.Kind()).States(states...))
	if err != nil {
		t.Fatal(err)
	}
	return res.Jobs
}

// plan reserves the ledger rows of the seeded payers, by payer address.
func plan(t *testing.T, db *database.DB, r *bundler.Runner) map[string]bundler.Entry {
	t.Helper()
	if _, err := r.Plan(context.Background()); err != nil {
		t.Fatal(err)
	}
	var rows []bundler.Entry
	db.Gorm.Order("id").Find(&rows)
	out := map[string]bundler.Entry{}
	for _, e := range rows {
		var to string
		db.Gorm.Table("payers").Select("substr(key, 7)").Where("id = ?", e.PayerID).Scan(&to)
		out[to] = e
	}
	return out
}

// TestDeadProcessesDigestsAreSentAgain leaves behind what kill -9 leaves:
// one row "sending" whose River job is still "running" on a client that is
// gone (a killed serve), and one row "sending" whose job completed as
// skipped while a killed `digests run` held the row. A new client sends
// both, once each, within seconds, not after River's hour-long rescue nor
// its backoff, and the completed job does not block the re-enqueue.
func TestDeadProcessesDigestsAreSentAgain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ps, vs := seed(t, db, "killed-serve@payer.example", "killed-cli@payer.example")
		box := outbox.New(db.Gorm, time.Now)
		r := runner(db, ps, vs, box)
		rows := plan(t, db, r)
		serveRow, cliRow := rows["killed-serve@payer.example"], rows["killed-cli@payer.example"]

		var jobIDs []int64
		withRiver(t, db,
			func(d riverdriver.Driver[pgx.Tx]) { jobIDs = insertSends(t, d, serveRow.ID, cliRow.ID) },
			func(d riverdriver.Driver[*sql.Tx]) { jobIDs = insertSends(t, d, serveRow.ID, cliRow.ID) })
		running, completed := "now() - interval '2 minutes'", "now()"
		if !db.Postgres() {
			running, completed = "datetime('now', '-2 minutes', 'subsec')", "datetime('now', 'subsec')"
		}
		// The killed serve's job was on its fifth attempt, after four
		// failures: River's backoff after a rescue would be 5⁴ s, over ten
		// minutes.
		failure := `{"at":"2026-11-24T09:00:00Z","attempt":1,"error":"notify: transient (500)","trace":""}`
		failures := "ARRAY[" + strings.Repeat("'"+failure+"'::jsonb,", 3) + "'" + failure + "'::jsonb]"
		if !db.Postgres() {
			failures = "'[" + strings.Repeat(failure+",", 3) + failure + "]'"
		}
		mustExec(t, db, "UPDATE river_job SET state = 'running', attempt = 5, errors = "+failures+
			", attempted_at = "+running+" WHERE id = ?", jobIDs[0])
		mustExec(t, db, "UPDATE river_job SET state = 'completed', attempt = 1, attempted_at = "+completed+
			", finalized_at = "+completed+" WHERE id = ?", jobIDs[1])
		// The claims: attempts counted and the lease started before the
		// requests that never came back.
		claimed := clock().Add(-2 * time.Minute)
		db.Gorm.Model(&bundler.Entry{}).Where("id IN ?", []int64{serveRow.ID, cliRow.ID}).
			Updates(map[string]any{"status": bundler.StatusSending, "attempts": 1, "updated_at": claimed})

		start := time.Now()
		startWith(t, db, jobs.Config{Runner: r, Log: quiet(), PlanEvery: time.Hour})
		// The bound: sent again within two minutes of a restart. The
		// killed serve's row waits for River's rescuer (leader-only, every
		// 30 s) to free its unique job: 2-6 s on a quiet machine, over 45 s
		// once in CI on a loaded one.
		settled := waitSettledWithin(t, db, 2, 2*time.Minute)
		t.Logf("both sent again %v after the new client started", time.Since(start).Round(time.Second))
		for _, e := range settled {
			if e.Status != bundler.StatusSent {
				t.Errorf("digest %d: %s, want sent", e.ID, e.Status)
			}
		}
		msgs, _ := box.List(context.Background(), 0)
		per := map[string]int{}
		for _, m := range msgs {
			per[m.To[0]]++
		}
		if len(msgs) != 2 || per["killed-serve@payer.example"] != 1 || per["killed-cli@payer.example"] != 1 {
			t.Fatalf("messages per payer %v, want one each", per)
		}
	})
}

func mustExec(t *testing.T, db *database.DB, q string, args ...any) {
	t.Helper()
	if err := db.Gorm.Exec(q, args...).Error; err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// slowSendGrid reads the whole request, then takes its time to answer.
type slowSendGrid struct {
	delay    time.Duration
	requests atomic.Int32
}

func (f *slowSendGrid) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	io.ReadAll(r.Body)
	f.requests.Add(1)
	time.Sleep(f.delay)
	accepted(w)
}

// TestProviderStallingAfterReadingGetsOneRequest: SendGrid reads the
// message and answers 12 s later. With the default client timeout that is
// an answer, not a timeout and a retry: exactly one request, one attempt.
func TestProviderStallingAfterReadingGetsOneRequest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		fake := &slowSendGrid{delay: 12 * time.Second}
		srv := httptest.NewServer(fake)
		defer srv.Close()
		sg, err := sendgrid.New(sendgrid.Config{APIKey: "SG.test", Host: srv.URL, From: "reminders@hub.example"})
		if err != nil {
			t.Fatal(err)
		}
		ps, vs := seed(t, db, "patient@payer.example")
		start(t, db, runner(db, ps, vs, notify.WithDeadline(sg, notify.SendDeadline)))
		for deadline := time.Now().Add(30 * time.Second); fake.requests.Load() == 0 && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
		}
		// The attempt is on the row before the provider has answered: a
		// kill now leaves a row that says it may have been sent.
		var during bundler.Entry
		db.Gorm.Take(&during)
		if during.Status != bundler.StatusSending || during.Attempts != 1 || !during.UpdatedAt.Equal(clock()) {
			t.Errorf("while the provider holds the request the row is %s, attempts %d, updated %v; want sending, 1, %v",
				during.Status, during.Attempts, during.UpdatedAt, clock())
		}
		rows := waitSettled(t, db, 1)
		if n := fake.requests.Load(); n != 1 {
			t.Errorf("%d requests reached the provider, want 1", n)
		}
		if rows[0].Status != bundler.StatusSent || rows[0].Attempts != 1 {
			t.Errorf("status %s after %d attempts, want sent after 1", rows[0].Status, rows[0].Attempts)
		}
	})
}

// TestRetryAfterDateIsCapped: a 429 whose Retry-After names a date in 2200
// parks the digest for an hour at most; the row stays pending, to be
// retried (or expired with its slot) by the ledger's rules.
func TestRetryAfterDateIsCapped(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		fake := &fakeSendGrid{calls: map[string][]time.Time{}, script: map[string][]func(http.ResponseWriter){
			"limited@payer.example": {status(429, "Retry-After", "Mon, 01 Jan 2200 00:00:00 GMT")},
		}}
		srv := httptest.NewServer(fake)
		defer srv.Close()
		sg, err := sendgrid.New(sendgrid.Config{APIKey: "SG.test", Host: srv.URL, From: "reminders@hub.example"})
		if err != nil {
			t.Fatal(err)
		}
		ps, vs := seed(t, db, "limited@payer.example")
		start(t, db, runner(db, ps, vs, sg))
		var parked []*rivertype.JobRow
		deadline := time.Now().Add(30 * time.Second)
		for len(parked) == 0 && time.Now().Before(deadline) {
			time.Sleep(200 * time.Millisecond)
			withRiver(t, db,
				func(d riverdriver.Driver[pgx.Tx]) { parked = sendJobs(t, d, rivertype.JobStateScheduled) },
				func(d riverdriver.Driver[*sql.Tx]) { parked = sendJobs(t, d, rivertype.JobStateScheduled) })
		}
		if len(parked) != 1 {
			t.Fatalf("%d parked send jobs, want 1", len(parked))
		}
		if wait := time.Until(parked[0].ScheduledAt); wait > notify.MaxRetryAfter+time.Minute {
			t.Errorf("parked for %v, want at most %v", wait.Round(time.Second), notify.MaxRetryAfter)
		}
		var e bundler.Entry
		db.Gorm.Take(&e)
		if e.Status != bundler.StatusPending {
			t.Errorf("row %s while parked, want pending", e.Status)
		}
	})
}

// TestParkedDigestNeverOutlivesItsSlot: with 30 minutes left of its slot's
// life, a digest told to wait an hour is parked 30 minutes, then the
// ledger's stale rule settles it, rather than sitting pending past its slot.
func TestParkedDigestNeverOutlivesItsSlot(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		fake := &fakeSendGrid{calls: map[string][]time.Time{}, script: map[string][]func(http.ResponseWriter){
			"limited@payer.example": {status(429, "Retry-After", "3600")},
		}}
		srv := httptest.NewServer(fake)
		defer srv.Close()
		sg, err := sendgrid.New(sendgrid.Config{APIKey: "SG.test", Host: srv.URL, From: "reminders@hub.example"})
		if err != nil {
			t.Fatal(err)
		}
		ps, vs := seed(t, db, "limited@payer.example")
		// The slot is Tuesday 09:00 and the clock Tuesday 10:00: with a 90
		// minute stale limit, 30 minutes are left.
		r := bundler.NewRunner(bundler.Config{
			DB: db.Gorm, Payers: ps, Vendors: vs, Senders: map[notify.Channel]notify.Sender{notify.Email: sg},
			Links:   links.NewSigner("secret-secret-secret-secret-secret", "https://hub.example", time.Now),
			BaseURL: "https://hub.example", From: "reminders@hub.example", Now: clock, Log: quiet(),
			StaleAfter: 90 * time.Minute,
		})
		start(t, db, r)
		var parked []*rivertype.JobRow
		for deadline := time.Now().Add(30 * time.Second); len(parked) == 0 && time.Now().Before(deadline); {
			time.Sleep(200 * time.Millisecond)
			withRiver(t, db,
				func(d riverdriver.Driver[pgx.Tx]) { parked = sendJobs(t, d, rivertype.JobStateScheduled) },
				func(d riverdriver.Driver[*sql.Tx]) { parked = sendJobs(t, d, rivertype.JobStateScheduled) })
		}
		if len(parked) != 1 {
			t.Fatalf("%d parked send jobs, want 1", len(parked))
		}
		if wait := time.Until(parked[0].ScheduledAt); wait > 31*time.Minute || wait < 25*time.Minute {
			t.Errorf("parked for %v, want the 30 minutes left of the slot", wait.Round(time.Second))
		}
	})
}

// hangingSender never answers until its send is cancelled or the test ends.
type hangingSender struct {
	release chan struct{}
	calls   atomic.Int32
}

func (h *hangingSender) Send(ctx context.Context, m notify.Message) (notify.Result, error) {
	h.calls.Add(1)
	select {
	case <-ctx.Done():
		return notify.Result{}, notify.NetworkError(ctx.Err())
	case <-h.release:
		return notify.Result{}, &notify.Error{Code: "hung"}
	}
}

// TestHangingSMSDoesNotStopEmail: Twilio hangs on every message, yet email
// digests, queued behind them, all go out: each channel has its own workers.
func TestHangingSMSDoesNotStopEmail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		ps, vs := seed(t, db)
		v, err := vs.CreateVendor(ctx, vendors.NewVendor{Name: "Contoso"})
		if err != nil {
			t.Fatal(err)
		}
		var in []vendors.InvoiceInput
		amount := int64(5000)
		for i := range 6 { // SMS payers first: their jobs are enqueued first
			in = append(in, vendors.InvoiceInput{ExternalID: fmt.Sprint("SMS-", i), Currency: "USD", AmountDue: &amount,
				DueDate: "2026-11-20", Customer: vendors.CustomerInput{ExternalID: fmt.Sprint("S-", i),
					Phone: fmt.Sprintf("+1555010%04d", i), SMSConsent: true, SMSConsentSource: "test"}})
		}
		for i := range 10 {
			in = append(in, vendors.InvoiceInput{ExternalID: fmt.Sprint("EM-", i), Currency: "USD", AmountDue: &amount,
				DueDate: "2026-11-20", Customer: vendors.CustomerInput{ExternalID: fmt.Sprint("E-", i),
					Email: fmt.Sprintf("ap%d@payer.example", i)}})
		}
		if _, err := vs.PushInvoices(ctx, v.ID, in); err != nil {
			t.Fatal(err)
		}
		box := outbox.New(db.Gorm, time.Now)
		sms := &hangingSender{release: make(chan struct{})}
		r := bundler.NewRunner(bundler.Config{
			DB: db.Gorm, Payers: ps, Vendors: vs, Senders: map[notify.Channel]notify.Sender{notify.Email: box, notify.SMS: sms},
			Links:   links.NewSigner("secret-secret-secret-secret-secret", "https://hub.example", time.Now),
			BaseURL: "https://hub.example", From: "reminders@hub.example", Now: clock, Log: quiet(),
		})
		startWith(t, db, jobs.Config{Runner: r, Log: quiet(), PlanEvery: time.Hour, Workers: 2, SMSWorkers: 2})
		var once sync.Once
		t.Cleanup(func() { once.Do(func() { close(sms.release) }) })

		deadline := time.Now().Add(30 * time.Second)
		var sent int64
		for time.Now().Before(deadline) {
			db.Gorm.Model(&bundler.Entry{}).Where("channel = 'email' AND status = ?", bundler.StatusSent).Count(&sent)
			if sent == 10 {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if sent != 10 {
			t.Fatalf("%d of 10 email digests sent while SMS hangs", sent)
		}
		// The SMS jobs may start after the emails are out on a loaded
		// machine: wait for them, then check no more than two hang.
		for time.Now().Before(deadline) && sms.calls.Load() < 2 {
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond)
		if n := sms.calls.Load(); n != 2 {
			t.Errorf("%d SMS sends hanging, want 2 (the SMS queue's workers)", n)
		}
		once.Do(func() { close(sms.release) })
	})
}
