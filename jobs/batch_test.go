package jobs_test

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/jobs"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// tally is a provider that accepts everything and counts messages per
// recipient.
type tally struct {
	mu  sync.Mutex
	per map[string]int
}

func (t *tally) Send(_ context.Context, m notify.Message) (notify.Result, error) {
	time.Sleep(30 * time.Millisecond) // a provider takes a moment: the passes overlap
	t.mu.Lock()
	defer t.mu.Unlock()
	t.per[m.To[0]]++
	return notify.Result{ProviderID: "ok-" + m.ID}, nil
}

// seedMany pushes one overdue invoice for each of count payers in one batch.
func seedMany(t *testing.T, db *database.DB, count int) (*payers.Store, *vendors.Store) {
	t.Helper()
	ps := payers.NewStore(db.Gorm, clock)
	vs := vendors.NewStore(db.Gorm, ps, clock)
	v, err := vs.CreateVendor(context.Background(), vendors.NewVendor{Name: "Northwind"})
	if err != nil {
		t.Fatal(err)
	}
	in := make([]vendors.InvoiceInput, count)
	for i := range in {
		amount := int64(1000 + i)
		in[i] = vendors.InvoiceInput{ExternalID: fmt.Sprint("INV-", i), Currency: "USD", AmountDue: &amount, DueDate: "2026-11-20",
			Customer: vendors.CustomerInput{ExternalID: fmt.Sprint("C-", i), Email: fmt.Sprintf("ap%d@payer.example", i)}}
	}
	res, err := vs.PushInvoices(context.Background(), v.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Result == vendors.ResultError {
			t.Fatalf("push: %+v", r)
		}
	}
	return ps, vs
}

// TestBatchedPassSendsEachDigestOnce runs four `digests run` passes and two
// River clients at once on one database, 300 payers all due: the batched
// pass claims rows in sets, and still every payer gets exactly one digest.
func TestBatchedPassSendsEachDigestOnce(t *testing.T) {
	const count = 300
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ps, vs := seedMany(t, db, count)
		box := &tally{per: map[string]int{}}
		start(t, db, runner(db, ps, vs, box))
		start(t, db, runner(db, ps, vs, box))
		// The runs start once River has planned, while its batch jobs send.
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			var planned int64
			db.Gorm.Model(&bundler.Entry{}).Count(&planned)
			if planned == count {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("River never planned")
			}
		}
		var wg sync.WaitGroup
		var byCLI sync.Map
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := bundler.NewRunner(bundler.Config{DB: db.Gorm, Payers: ps, Vendors: vs,
					Senders: map[notify.Channel]notify.Sender{notify.Email: box}, Links: runnerLinks(),
					BaseURL: "https://hub.example", From: "reminders@hub.example", Now: clock, Log: quiet(), BatchSize: 50})
				rep, err := r.RunOnce(context.Background())
				if err != nil {
					t.Error(err)
				}
				byCLI.Store(i, rep.Sent())
			}()
		}
		wg.Wait()
		rows := waitSettled(t, db, count)
		time.Sleep(1500 * time.Millisecond) // another planning pass on each client
		for _, r := range rows {
			if r.Status != bundler.StatusSent || r.Attempts != 1 {
				t.Errorf("digest %d: %s after %d attempts", r.ID, r.Status, r.Attempts)
			}
		}
		cli := 0
		byCLI.Range(func(_, n any) bool { cli += n.(int); return true })
		t.Logf("%d digests sent by the four runs, %d by River", cli, count-cli)
		box.mu.Lock()
		defer box.mu.Unlock()
		total := 0
		for to, n := range box.per {
			total += n
			if n != 1 {
				t.Errorf("%s got %d digests", to, n)
			}
		}
		if len(box.per) != count || total != count {
			t.Fatalf("%d messages to %d payers, want %d to %d", total, len(box.per), count, count)
		}
		var attempts, events int64
		db.Gorm.Table("delivery_attempts").Count(&attempts)
		db.Gorm.Table("events").Where("type = ?", vendors.EventDigestDelivered).Count(&events)
		if attempts != count || events != count {
			t.Errorf("%d attempts and %d digest.delivered events, want %d of each", attempts, events, count)
		}
	})
}

// insertSend enqueues a per-digest send job from outside the running clients.
func insertSend(t *testing.T, db *database.DB, digestID int64) {
	t.Helper()
	ctx := context.Background()
	var err error
	if db.Postgres() {
		pool, perr := pgxpool.New(ctx, db.URL)
		if perr != nil {
			t.Fatal(perr)
		}
		defer pool.Close()
		var c *river.Client[pgx.Tx]
		if c, err = river.NewClient(riverpgxv5.New(pool), &river.Config{}); err == nil {
			_, err = c.Insert(ctx, jobs.SendArgs{DigestID: digestID}, nil)
		}
	} else {
		var c *river.Client[*sql.Tx]
		if c, err = river.NewClient(riversqlite.New(db.SQL), &river.Config{}); err == nil {
			_, err = c.Insert(ctx, jobs.SendArgs{DigestID: digestID}, nil)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
}

// TestRowPendingAgainAfterItsJobCompletedIsSent: a send job runs while
// another sender (a `digests run`) holds the row, and completes having sent
// nothing; that sender dies. When the row is rescued to pending, the
// planning pass must enqueue it again: the completed job must not block it
// as a duplicate, or the digest is lost until its slot expires.
func TestRowPendingAgainAfterItsJobCompletedIsSent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ps, vs := seed(t, db, "held@payer.example")
		box := &tally{per: map[string]int{}}
		r := runner(db, ps, vs, box)
		if _, err := r.Plan(context.Background()); err != nil {
			t.Fatal(err)
		}
		var e bundler.Entry
		db.Gorm.Take(&e)
		// A `digests run` holds the row; a send job runs meanwhile and
		// completes, having found it held.
		db.Gorm.Model(&e).Updates(map[string]any{"status": bundler.StatusSending, "attempts": 1, "updated_at": tuesday})
		begin := time.Now()
		start(t, db, r)
		insertSend(t, db, e.ID)
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			var n int64
			db.Gorm.Table("river_job").Where("kind = ? AND state = ?", "send_digest", "completed").Count(&n)
			if n > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the send job never completed")
			}
		}
		t.Logf("job completed after %v", time.Since(begin))
		// The run died with the row: it has been stuck past StuckAfter.
		db.Gorm.Model(&e).Update("updated_at", tuesday.Add(-bundler.StuckAfter-time.Minute))
		rows := waitSettled(t, db, 1)
		t.Logf("sent after %v", time.Since(begin))
		if rows[0].Status != bundler.StatusSent || box.per["held@payer.example"] != 1 {
			t.Fatalf("row %s, %d messages", rows[0].Status, box.per["held@payer.example"])
		}
	})
}
