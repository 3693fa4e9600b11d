package bundler_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/notify"
)

// seedDuePayers writes count payers, each with one email contact, one
// customer of vendorID and one open invoice due on due, with set-based
// inserts: thousands of payers in a few statements instead of an API call
// each. Keys are "email:ap<n>@many.example".
func seedDuePayers(tb testing.TB, db *database.DB, vendorID int64, count int, due string, now time.Time) {
	tb.Helper()
	g := db.Gorm
	seq := `WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?) `
	steps := []struct {
		what string
		sql  string
		args []any
	}{
		{"payers", seq + `INSERT INTO payers (key, cadence, created_at, updated_at)
			SELECT 'email:ap' || n || '@many.example', 'smart', ?, ? FROM seq`, []any{count, now, now}},
		{"contacts", `INSERT INTO payer_contacts (payer_id, kind, value, created_at)
			SELECT id, 'email', substr(key, 7), ? FROM payers WHERE key LIKE 'email:%@many.example'`, []any{now}},
		{"customers", `INSERT INTO customers (vendor_id, external_id, name, email, payer_id, created_at, updated_at)
			SELECT ?, 'C-' || id, 'Acme ' || id, substr(key, 7), id, ?, ? FROM payers WHERE key LIKE 'email:%@many.example'`,
			[]any{vendorID, now, now}},
		{"invoices", `INSERT INTO invoices (vendor_id, external_id, number, customer_id, currency, amount_due,
				amount_remaining, due_date, status, created_at, updated_at)
			SELECT vendor_id, 'INV-' || id, 'INV-' || id, id, 'USD', 1000, 1000, ?, 'open', ?, ?
			FROM customers WHERE vendor_id = ?`, []any{due, now, now, vendorID}},
	}
	for _, s := range steps {
		if err := g.Exec(s.sql, s.args...).Error; err != nil {
			tb.Fatalf("seed %s: %v", s.what, err)
		}
	}
}

// TestPlanManyDueInOnePass: thousands of payers due in one pass are all
// reserved, once each. On SQLite the pool has one connection, so a planner
// that wrote ledger rows while its invoice cursor still held that connection
// waited for itself forever once 500 decisions piled up; the deadline turns
// such a hang into a failure. Every fourth payer owes nothing due yet and
// every third also owes a second vendor, so each chunk of the pass holds a
// mix and the report must still add up.
func TestPlanManyDueInOnePass(t *testing.T) {
	const total, notDue = 2800, 700
	const due = total - notDue
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) // a Monday, after the 09:00 window
		n := newNetwork(t, db, now)
		v := n.vendor("Northwind", "")
		w := n.vendor("Contoso", "")
		seedDuePayers(t, db, v, total, "2026-11-20", now)
		mix := []string{
			`UPDATE invoices SET due_date = '2027-03-01' WHERE customer_id % 4 = 0`,
			`INSERT INTO customers (vendor_id, external_id, name, email, payer_id, created_at, updated_at)
				SELECT ?, 'C-' || payer_id, name, email, payer_id, created_at, updated_at FROM customers
				WHERE vendor_id = ? AND payer_id % 3 = 0`,
			`INSERT INTO invoices (vendor_id, external_id, number, customer_id, currency, amount_due,
					amount_remaining, due_date, status, created_at, updated_at)
				SELECT vendor_id, 'W-' || id, 'W-' || id, id, 'USD', 500, 500, '2027-03-01', 'open', created_at, updated_at
				FROM customers WHERE vendor_id = ?`,
		}
		for i, args := range [][]any{nil, {w, v}, {w}} {
			if err := db.Gorm.Exec(mix[i], args...).Error; err != nil {
				t.Fatal(err)
			}
		}
		r := n.runner(map[notify.Channel]notify.Sender{notify.Email: n.outbox})

		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		start := time.Now()
		rep, err := r.Plan(ctx)
		if err != nil {
			t.Fatalf("plan of %d due payers: %v", due, err)
		}
		t.Logf("planned %d payers (%d due) in %v", total, due, time.Since(start))
		if rep.Considered != total || rep.Reserved != due || rep.Channels["email"].Reserved != due ||
			rep.Skipped[bundler.ReasonNotTriggered] != notDue {
			t.Fatalf("considered %d, reserved %d (email %d), skipped %v; want %d, %d, %d not triggered",
				rep.Considered, rep.Reserved, rep.Channels["email"].Reserved, rep.Skipped, total, due, notDue)
		}

		var rows []struct {
			PayerID int64
			N       int
		}
		err = db.Gorm.Raw(`SELECT d.payer_id, COUNT(*) AS n FROM digests d
			WHERE d.channel = 'email' AND d.status = 'pending' GROUP BY d.payer_id`).Scan(&rows).Error
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != due {
			t.Fatalf("%d payers have a pending digest, want %d", len(rows), due)
		}
		for _, row := range rows {
			if row.N != 1 {
				t.Fatalf("payer %d has %d pending digests, want 1", row.PayerID, row.N)
			}
		}
		var wrong int64
		err = db.Gorm.Raw(`SELECT COUNT(*) FROM digests d JOIN customers c ON c.payer_id = d.payer_id
			WHERE c.vendor_id = ? AND c.id % 4 = 0`, v).Scan(&wrong).Error
		if err != nil || wrong != 0 {
			t.Fatalf("%d digests reserved for payers with nothing due (%v)", wrong, err)
		}
		var slots []time.Time
		if err := db.Gorm.Model(&bundler.Entry{}).Distinct("slot").Pluck("slot", &slots).Error; err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC); len(slots) != 1 || !slots[0].Equal(want) {
			t.Fatalf("slots %v, want only %v", slots, want)
		}

		// A second pass reads nobody: every payer was decided and nothing
		// changed. Made to decide them all again, it finds every slot
		// already in the ledger.
		rep, err = r.Plan(ctx)
		if err != nil || rep.Read != 0 || rep.Considered != 0 || rep.Reserved != 0 {
			t.Fatalf("second pass read %d payers (%d considered, %d reserved), want none: %v",
				rep.Read, rep.Considered, rep.Reserved, err)
		}
		if err := db.Gorm.Exec(`UPDATE payers SET next_plan_at = NULL`).Error; err != nil {
			t.Fatal(err)
		}
		rep, err = r.Plan(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Considered != total || rep.Reserved != 0 || rep.Skipped[bundler.ReasonAlreadySent] != due ||
			rep.Skipped[bundler.ReasonNotTriggered] != notDue {
			t.Fatalf("second pass: considered %d, reserved %d, skipped %v; want %d, 0, %d already sent",
				rep.Considered, rep.Reserved, rep.Skipped, total, due)
		}
	})
}

// TestConcurrentPlannersReserveOnce: four planners run the same many-due
// pass at once; between them they reserve each slot exactly once, and none
// of them fails or waits on another's chunk transaction for good.
func TestConcurrentPlannersReserveOnce(t *testing.T) {
	const payers = 2000
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
		n := newNetwork(t, db, now)
		seedDuePayers(t, db, n.vendor("Northwind", ""), payers, "2026-11-20", now)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		var wg sync.WaitGroup
		reserved := make([]int, 4)
		for i := range reserved {
			wg.Go(func() {
				rep, err := n.runner(map[notify.Channel]notify.Sender{notify.Email: n.outbox}).Plan(ctx)
				if err != nil {
					t.Error(err)
				}
				reserved[i] = rep.Reserved
			})
		}
		wg.Wait()
		sum := 0
		for _, r := range reserved {
			sum += r
		}
		var rows, distinct int64
		if err := db.Gorm.Raw(`SELECT COUNT(*), COUNT(DISTINCT payer_id) FROM digests`).Row().Scan(&rows, &distinct); err != nil {
			t.Fatal(err)
		}
		if sum != payers || rows != payers || distinct != payers {
			t.Fatalf("planners reserved %v (sum %d); ledger holds %d rows for %d payers; want %d each",
				reserved, sum, rows, distinct, payers)
		}
	})
}

// TestBulkInvalidationsAllApplied: after a bulk change queues more payers
// than a planning chunk holds, every queued payer is decided again in the
// next pass and the queue is left empty.
func TestBulkInvalidationsAllApplied(t *testing.T) {
	const total = 1517
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) // a Monday, after the 09:00 window
		n := newNetwork(t, db, now)
		v := n.vendor("Northwind", "")
		seedDuePayers(t, db, v, total, "2026-11-20", now)
		r := n.runner(map[notify.Channel]notify.Sender{notify.Email: n.outbox})
		ctx := context.Background()
		if _, err := r.Plan(ctx); err != nil {
			t.Fatal(err)
		}
		// A bulk push moves every due date: each payer is queued again.
		if err := db.Gorm.Exec(`UPDATE invoices SET due_date = '2026-11-19'`).Error; err != nil {
			t.Fatal(err)
		}
		rep, err := r.Plan(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var left int64
		if err := db.Gorm.Raw(`SELECT COUNT(*) FROM plan_invalidations`).Scan(&left).Error; err != nil {
			t.Fatal(err)
		}
		if rep.Invalidated != total || rep.Read != total || left != 0 {
			t.Errorf("invalidated %d, read %d of %d payers; %d left queued", rep.Invalidated, rep.Read, total, left)
		}
	})
}
