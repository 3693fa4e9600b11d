package bundler_test

import (
	"context"
	"testing"
	"time"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
)

// TestRescueStuckReturnsOnlyExpiredLeases: a row a dead process left
// "sending" comes back to pending once its lease (StuckAfter) is over, and
// is named so that it can be enqueued at once; a row a live worker claimed
// moments ago is left to it. A wait before a retry never outlives the slot.
func TestRescueStuckReturnsOnlyExpiredLeases(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		n := newNetwork(t, db, time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC))
		v := n.vendor("Northwind", "")
		n.push(v, "INV-1", "dead@payer.example", "2026-11-20", 1000)
		n.push(v, "INV-2", "live@payer.example", "2026-11-20", 2000)
		r := n.runner(nil)
		if _, err := r.Plan(ctx); err != nil {
			t.Fatal(err)
		}
		var rows []bundler.Entry
		db.Gorm.Order("id").Find(&rows)
		if len(rows) != 2 {
			t.Fatalf("%d ledger rows, want 2", len(rows))
		}
		now := n.clock()
		claim := func(id int64, at time.Time) {
			db.Gorm.Model(&bundler.Entry{}).Where("id = ?", id).
				Updates(map[string]any{"status": bundler.StatusSending, "updated_at": at})
		}
		claim(rows[0].ID, now.Add(-bundler.StuckAfter-time.Second))
		claim(rows[1].ID, now.Add(-30*time.Second))

		got, err := r.RescueStuck(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != rows[0].ID || got[0].Channel != "email" {
			t.Fatalf("rescued %+v, want only row %d (email)", got, rows[0].ID)
		}
		status := func(id int64) string {
			var e bundler.Entry
			db.Gorm.Where("id = ?", id).Take(&e)
			return e.Status
		}
		if s0, s1 := status(rows[0].ID), status(rows[1].ID); s0 != bundler.StatusPending || s1 != bundler.StatusSending {
			t.Fatalf("statuses %s, %s; want pending, sending", s0, s1)
		}
		if again, _ := r.RescueStuck(ctx); len(again) != 0 {
			t.Fatalf("a second pass rescued %+v again", again)
		}

		n.setNow(now.Add(time.Minute).Format(time.RFC3339))
		if got, _ := r.RescueStuck(ctx); len(got) != 1 || got[0].ID != rows[1].ID {
			t.Fatalf("after the second lease ran out, rescued %+v, want row %d", got, rows[1].ID)
		}

		slot := rows[0].Slot
		if got := r.ParkFor(ctx, rows[0].ID, 10*time.Minute); got != 10*time.Minute {
			t.Errorf("a 10 min wait early in the slot's life became %v", got)
		}
		n.setNow(slot.Add(bundler.DefaultStaleAfter - 5*time.Minute).Format(time.RFC3339))
		if got := r.ParkFor(ctx, rows[0].ID, time.Hour); got != 5*time.Minute+time.Second {
			t.Errorf("an hour's wait 5 min before the stale limit became %v, want 5m1s", got)
		}
		n.setNow(slot.Add(bundler.DefaultStaleAfter + time.Hour).Format(time.RFC3339))
		if got := r.ParkFor(ctx, rows[0].ID, time.Hour); got != time.Second {
			t.Errorf("a wait past the stale limit became %v, want 1s (then the send expires it)", got)
		}
	})
}
