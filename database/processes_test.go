package database_test

import (
	"context"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
)

// TestHeartbeats: a process is live from its first heartbeat until since
// passes its last one, or until it leaves; renewing keeps one row.
func TestHeartbeats(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		dbtest.CheckColumns(t, db, &database.Process{})
		ctx := context.Background()
		t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
		p := database.Process{ID: "vm:42:ab", Role: database.RolePlanner, Host: "vm", PID: 42, StartedAt: t0}
		live := func(since time.Time) []database.Process {
			t.Helper()
			ps, err := db.LiveProcesses(ctx, database.RolePlanner, since)
			if err != nil {
				t.Fatal(err)
			}
			return ps
		}
		for _, at := range []time.Time{t0, t0.Add(15 * time.Second)} {
			if err := db.Heartbeat(ctx, p, at); err != nil {
				t.Fatal(err)
			}
		}
		if ps := live(t0.Add(10 * time.Second)); len(ps) != 1 || ps[0].PID != 42 || !ps[0].SeenAt.Equal(t0.Add(15*time.Second)) ||
			!ps[0].StartedAt.Equal(t0) {
			t.Fatalf("live after two beats: %+v", ps)
		}
		if ps := live(t0.Add(20 * time.Second)); len(ps) != 0 {
			t.Fatalf("live after its last beat: %+v", ps)
		}
		if err := db.LeaveProcess(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		if ps := live(t0.Add(-time.Hour)); len(ps) != 0 {
			t.Fatalf("live after leaving: %+v", ps)
		}
	})
}
