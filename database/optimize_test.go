package database_test

import (
	"context"
	"testing"

	"github.com/duehub/duehub/database/dbtest"
)

// TestOptimizeGathersStatistics: on SQLite, Optimize leaves the planner
// statistics of a table that grew, and of its index, in sqlite_stat1.
func TestOptimizeGathersStatistics(t *testing.T) {
	db := dbtest.SQLite(t)
	ctx := context.Background()
	for _, q := range []string{
		`CREATE TABLE grown (id INTEGER PRIMARY KEY, k INTEGER NOT NULL)`,
		`CREATE INDEX grown_k ON grown (k)`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
		 INSERT INTO grown (id, k) SELECT i, i % 7 FROM n`,
	} {
		if _, err := db.SQL.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	var stat string
	if err := db.SQL.QueryRowContext(ctx, `SELECT stat FROM sqlite_stat1 WHERE idx = 'grown_k'`).Scan(&stat); err != nil {
		t.Fatalf("no statistics for grown_k after Optimize: %v", err)
	}
	if stat == "" || stat[0] == '0' {
		t.Fatalf("grown_k's statistics %q", stat)
	}
}
