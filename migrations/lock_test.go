package migrations_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/pressly/goose/v3/lock"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/migrations"
)

// Migrating a schema takes that schema's lock, not one lock for the whole
// server: while another session holds goose's shared lock ID (as every
// migrating process did before), a schema still migrates at once, and each
// schema of one database migrates beside the others.
func TestMigrationsLockOnlyTheirSchema(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	other, err := sql.Open("pgx", dbtest.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", lock.DefaultLockID); err != nil {
		t.Fatal(err)
	}

	db, err := database.Open(ctx, dbtest.PostgresURL(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// goose retries a held lock in 1-second steps for 5 minutes: the
	// 2-minute context ends the test first if this schema waits on it.
	if _, err := migrations.Up(ctx, db.SQL, db.Dialect, nil); err != nil {
		t.Fatalf("migrating one schema while another session holds goose's shared lock: %v", err)
	}
	if err := migrations.Current(ctx, db.SQL, db.Dialect); err != nil {
		t.Fatal(err)
	}
}
