package bench

import (
	"context"
	"testing"
	"time"

	"github.com/duehub/duehub/audit"
	"github.com/duehub/duehub/database/dbtest"
)

// The bench empties a SQLite hub whose audit log refuses DELETE (issue
// 15), and leaves its triggers as they were: the log is append-only again
// afterwards.
func TestWipeSQLiteKeepsTriggers(t *testing.T) {
	db := dbtest.SQLite(t)
	ctx := context.Background()
	record := func() {
		t.Helper()
		if err := audit.Record(ctx, db.Gorm, audit.Entry{CreatedAt: time.Now(), Action: audit.KeyCreated, Target: "dh_live_x"}); err != nil {
			t.Fatal(err)
		}
	}
	record()
	var before int
	db.SQL.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'trigger'`).Scan(&before)
	if err := wipe(ctx, db); err != nil {
		t.Fatalf("wipe: %v", err)
	}
	var rows, after int
	db.SQL.QueryRowContext(ctx, `SELECT count(*) FROM audit_log`).Scan(&rows)
	db.SQL.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'trigger'`).Scan(&after)
	if rows != 0 || before == 0 || after != before {
		t.Fatalf("after the wipe: %d audit rows, %d triggers (before %d)", rows, after, before)
	}
	record()
	if _, err := db.SQL.ExecContext(ctx, `DELETE FROM audit_log`); err == nil {
		t.Error("the audit log took a DELETE after the wipe: its trigger is gone")
	}
}
