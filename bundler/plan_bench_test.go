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
