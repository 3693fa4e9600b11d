package dbtest

import (
	"context"
	"testing"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/migrations"
)

// Each database a test gets, a copy of its dialect's template, is fully
// migrated and its own: what one test writes, another never sees. The
// SQLite copy keeps the write-ahead log the hub runs with.
func TestDatabasesAreMigratedAndApart(t *testing.T) {
	ctx := context.Background()
	for name, open := range map[string]func(testing.TB) *database.DB{"sqlite": SQLite, "postgres": Postgres} {
		t.Run(name, func(t *testing.T) {
			a, b := open(t), open(t)
			for _, db := range []*database.DB{a, b} {
				if err := migrations.Current(ctx, db.SQL, db.Dialect); err != nil {
					t.Fatal(err)
				}
			}
			if err := a.Gorm.Exec("INSERT INTO vendors (name, created_at, updated_at) VALUES ('Northwind', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)").Error; err != nil {
				t.Fatal(err)
			}
			var n int
			if err := b.SQL.QueryRowContext(ctx, "SELECT count(*) FROM vendors").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Fatalf("a vendor written in one test database shows in another: %d", n)
			}
			if name == "sqlite" {
				var mode string
				if err := a.SQL.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
					t.Fatalf("journal mode %q (%v), want wal as the hub runs", mode, err)
				}
			}
		})
	}
}
