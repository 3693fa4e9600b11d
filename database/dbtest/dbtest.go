// Package dbtest gives tests a fresh, migrated duehub database of each
// dialect: a SQLite file in a temporary folder, and a PostgreSQL schema of its
// own inside DUEHUB_TEST_DATABASE_URL (dropped when the test ends).
//
// Without DUEHUB_TEST_DATABASE_URL the PostgreSQL half fails when CI is set
// and skips loudly elsewhere.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver for schema set-up

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/migrations"
)

// Each runs fn once on SQLite and once on PostgreSQL, as subtests.
func Each(t *testing.T, fn func(t *testing.T, db *database.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite returns a migrated database in a fresh file.
func SQLite(t testing.TB) *database.DB {
	t.Helper()
	return open(t, filepath.Join(t.TempDir(), "duehub.db"))
}

// Postgres returns a migrated database in a fresh schema.
func Postgres(t testing.TB) *database.DB {
	t.Helper()
	return open(t, PostgresURL(t))
}

// PostgresURL creates an empty schema and returns a URL whose search_path is
// that schema. The schema is dropped at the end of the test.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("DUEHUB_TEST_DATABASE_URL")
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("DUEHUB_TEST_DATABASE_URL is not set: PostgreSQL tests cannot run in CI without it")
		}
		t.Skip("SKIPPING PostgreSQL half: set DUEHUB_TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/duehub_test?sslmode=disable)")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() { admin.Close() })
	buf := make([]byte, 6)
	rand.Read(buf)
	schema := "t_" + hex.EncodeToString(buf)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("dbtest: create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Logf("dbtest: drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("dbtest: DUEHUB_TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func open(t testing.TB, rawURL string) *database.DB {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, rawURL, nil)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := migrations.Up(ctx, db.SQL, db.Dialect, nil); err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	return db
}
