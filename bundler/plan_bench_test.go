package bundler_test

import (
	"context"
	"testing"
	"time"

	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/notify"
)

// BenchmarkPlanSQLite is one planning pass over 2,000 payers, every one due,
// on the embedded default: the pass that used to hang (TestPlanManyDueInOnePass).
// The ledger is emptied between passes, outside the timer, so each pass
// reserves all 2,000 slots again.
func BenchmarkPlanSQLite(b *testing.B) {
	const payers = 2000
	db := dbtest.SQLite(b)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	n := newNetwork(b, db, now)
	seedDuePayers(b, db, n.vendor("Northwind", ""), payers, "2026-11-20", now)
	r := n.runner(map[notify.Channel]notify.Sender{notify.Email: n.outbox})
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		if err := db.Gorm.Exec(`DELETE FROM digests`).Error; err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		rep, err := r.Plan(ctx)
		if err != nil || rep.Reserved != payers {
			b.Fatalf("reserved %d of %d: %v", rep.Reserved, payers, err)
		}
	}
	b.ReportMetric(float64(payers*b.N)/b.Elapsed().Seconds(), "payers/s")
}

// BenchmarkPlanSQLiteNothingDue is the minute planner's everyday pass: the
// same 2,000 payers, every slot already reserved by an earlier pass, one
// minute later. Nothing is due, so the pass should cost next to nothing.
func BenchmarkPlanSQLiteNothingDue(b *testing.B) {
	const payers = 2000
	db := dbtest.SQLite(b)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	n := newNetwork(b, db, now)
	seedDuePayers(b, db, n.vendor("Northwind", ""), payers, "2026-11-20", now)
	r := n.runner(map[notify.Channel]notify.Sender{notify.Email: n.outbox})
	ctx := context.Background()
	if rep, err := r.Plan(ctx); err != nil || rep.Reserved != payers {
		b.Fatalf("first pass reserved %d of %d: %v", rep.Reserved, payers, err)
	}
	n.setNow("2026-11-23T10:01:00Z")
	b.ResetTimer()
	for range b.N {
		rep, err := r.Plan(ctx)
		if err != nil || rep.Reserved != 0 {
			b.Fatalf("reserved %d, want 0: %v", rep.Reserved, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/pass")
}
