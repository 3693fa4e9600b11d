package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/duehub/duehub/analytics"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/jobs"
	"github.com/duehub/duehub/notify/outbox"
)

// TestNetworkBenchmarksOnStart: a starting hub computes the network's
// benchmarks for the standard periods in the background, on both
// databases, so that no analytics request has to; until then a vendor's
// benchmarks are pending.
func TestNetworkBenchmarksOnStart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		ps, vs := seed(t, db, "ap@acme.example")
		store := analytics.NewStore(db.Gorm, time.Now)
		var vendorID int64
		if err := db.Gorm.Raw(`SELECT id FROM vendors`).Scan(&vendorID).Error; err != nil {
			t.Fatal(err)
		}
		today, err := store.Today(ctx, vendorID)
		if err != nil {
			t.Fatal(err)
		}
		p := analytics.Period{From: today.AddDays(-89), To: today}
		if b, err := store.Benchmarks(ctx, vendorID, p); err != nil || !b.Pending {
			t.Fatalf("before the hub started: %+v, %v", b, err)
		}
		cfg := jobs.Config{Runner: runner(db, ps, vs, outbox.New(db.Gorm, time.Now)), Log: quiet(), PlanEvery: time.Hour,
			Network: func(ctx context.Context, maxAge time.Duration) (int, error) {
				passes, err := store.RefreshNetwork(ctx, maxAge)
				return len(passes), err
			}}
		startWith(t, db, cfg)
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			var n int64
			if err := db.Gorm.Raw(`SELECT COUNT(*) FROM network_passes`).Scan(&n).Error; err != nil {
				t.Fatal(err)
			}
			if n == int64(len(analytics.NetworkPeriods)) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of the standard periods computed after 30 s", n)
			}
		}
		b, err := store.Benchmarks(ctx, vendorID, p)
		if err != nil || b.Pending || b.Days != 90 || b.To != today && b.To != today.AddDays(-1) && b.To != today.AddDays(1) {
			t.Fatalf("after the start pass: %+v, %v", b, err)
		}
	})
}
