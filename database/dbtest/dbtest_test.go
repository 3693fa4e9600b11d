package dbtest

import (
	"context"
	"testing"

	"github.com/duehub/duehub/migrations"
)

// Each PostgreSQL database a test gets is fully migrated and its own: what
// one test writes, another never sees.
func TestPostgresDatabasesAreMigratedAndApart(t *testing.T) {
	ctx := context.Background()
	a, b := Postgres(t), Postgres(t)
	if err := migrations.Current(ctx, a.SQL, a.Dialect); err != nil {
		t.Fatal(err)
	}
	if err := migrations.Current(ctx, b.SQL, b.Dialect); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SQL.ExecContext(ctx, "INSERT INTO vendors (name, created_at, updated_at) VALUES ('Northwind', now(), now())"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := b.SQL.QueryRowContext(ctx, "SELECT count(*) FROM vendors").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("a vendor written in one test database shows in another: %d", n)
	}
}

// Each SQLite file a test gets is fully migrated and its own.
func TestSQLiteFilesAreMigratedAndApart(t *testing.T) {
	ctx := context.Background()
	a, b := SQLite(t), SQLite(t)
	if err := migrations.Current(ctx, a.SQL, a.Dialect); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SQL.ExecContext(ctx, "INSERT INTO vendors (name, created_at, updated_at) VALUES ('Northwind', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := b.SQL.QueryRowContext(ctx, "SELECT count(*) FROM vendors").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("a vendor written in one test database shows in another: %d", n)
	}
	var mode string
	if err := a.SQL.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal mode %q (%v), want wal as the hub runs", mode, err)
	}
}
