package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
)

// TestDigestsRunNowRefusesBesideServe: while serve plans on a database,
// `digests run --now` refuses and says how to proceed; `digests run` on
// the real clock still runs beside it. Once serve stops, --now runs again,
// and a serve killed without a goodbye stops counting a minute after its
// last heartbeat.
func TestDigestsRunNowRefusesBesideServe(t *testing.T) {
	for name, dbURL := range map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "hub.db") },
		"postgres": func(t *testing.T) string { return dbtest.PostgresURL(t) },
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := dbURL(t)
			base, stop := startServe(t, "--database-url", db)
			waitReady(t, base+"/readyz")

			code, _, errOut := duehub(ctx, "digests", "run", "--now", "2026-11-23T14:00:00Z", "--database-url", db)
			if code == 0 || !strings.Contains(errOut, "duehub serve") || !strings.Contains(errOut, "Stop serve first") ||
				!strings.Contains(errOut, "without --now") {
				t.Fatalf("digests run --now beside serve: exit %d, %q; want a refusal naming serve and the way out", code, errOut)
			}
			if code, _, errOut := duehub(ctx, "digests", "run", "--database-url", db); code != 0 {
				t.Fatalf("digests run on the real clock beside serve: exit %d %q", code, errOut)
			}
			if code := stop(); code != 0 {
				t.Fatalf("serve exited %d", code)
			}
			if code, _, errOut := duehub(ctx, "digests", "run", "--now", "2026-11-23T14:00:00Z", "--database-url", db); code != 0 {
				t.Fatalf("digests run --now after serve stopped: exit %d %q", code, errOut)
			}

			// A serve that died without removing its row.
			store, err := database.Open(ctx, db, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			dead := database.Process{ID: "gone:1", Role: database.RolePlanner, Host: "gone", PID: 1, StartedAt: time.Now().Add(-time.Hour)}
			if err := store.Heartbeat(ctx, dead, time.Now().Add(-30*time.Second)); err != nil {
				t.Fatal(err)
			}
			if code, _, errOut := duehub(ctx, "digests", "run", "--now", "2026-11-23T14:00:00Z", "--database-url", db); code == 0 ||
				!strings.Contains(errOut, "pid 1 on gone") {
				t.Fatalf("30 s after a heartbeat: exit %d %q, want a refusal", code, errOut)
			}
			if err := store.Heartbeat(ctx, dead, time.Now().Add(-2*time.Minute)); err != nil {
				t.Fatal(err)
			}
			if code, _, errOut := duehub(ctx, "digests", "run", "--now", "2026-11-23T14:00:00Z", "--database-url", db); code != 0 {
				t.Fatalf("2 min after the last heartbeat: exit %d %q", code, errOut)
			}
		})
	}
}
