package migrations

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed postgres/*.sql sqlite/*.sql
var files embed.FS

// Dialect names a supported database.
type Dialect string

const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

func provider(ctx context.Context, db *sql.DB, dialect Dialect, log *slog.Logger) (*goose.Provider, error) {
	sub, err := fs.Sub(files, string(dialect))
	if err != nil {
		return nil, err
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if log != nil {
		opts = append(opts, goose.WithSlog(log))
	}
	gd := goose.DialectSQLite3
	if dialect == Postgres {
		gd = goose.DialectPostgres
		// Several `duehub serve` processes may start together on one schema:
		// they take turns. The lock is the schema's, not goose's one ID for
		// every database on the server, so migrating one schema never waits
		// on another (tests migrate a fresh schema each, in parallel
		// packages, and waited in goose's 5-second retry steps).
		id, err := schemaLockID(ctx, db)
		if err != nil {
			return nil, err
		}
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(id), lock.WithLockTimeout(1, 300))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(gd, db, sub, opts...)
}

// schemaLockID names the advisory lock of the schema db's connections use:
// a 64-bit FNV hash of the database and schema names.
func schemaLockID(ctx context.Context, db *sql.DB) (int64, error) {
	var name string
	if err := db.QueryRowContext(ctx, "SELECT current_database() || '.' || current_schema()").Scan(&name); err != nil {
		return 0, fmt.Errorf("migrations: schema name: %w", err)
	}
	h := fnv.New64a()
	h.Write([]byte("duehub migrations " + name))
	return int64(h.Sum64()), nil
}

// Fingerprint names the migrations of dialect as they are in this binary: a
// hex SHA-256 over their names and contents. Tests key a migrated template
// database by it.
func Fingerprint(dialect Dialect) (string, error) {
	sub, err := fs.Sub(files, string(dialect))
	if err != nil {
		return "", err
	}
	entries, err := fs.ReadDir(sub, ".")
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, e := range entries { // ReadDir sorts by name
		b, err := fs.ReadFile(sub, e.Name())
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", e.Name(), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Up applies every pending migration and returns how many ran.
func Up(ctx context.Context, db *sql.DB, dialect Dialect, log *slog.Logger) (int, error) {
	p, err := provider(ctx, db, dialect, log)
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrations: up: %w", err)
	}
	return len(res), nil
}

// Versions returns the schema version of the database and the newest version
// this binary knows.
func Versions(ctx context.Context, db *sql.DB, dialect Dialect) (current, latest int64, err error) {
	p, err := provider(ctx, db, dialect, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("migrations: %w", err)
	}
	current, latest, err = p.GetVersions(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("migrations: versions: %w", err)
	}
	return current, latest, nil
}

// Current returns nil when the schema is up to date, and an error saying how
// far behind it is otherwise.
func Current(ctx context.Context, db *sql.DB, dialect Dialect) error {
	current, latest, err := Versions(ctx, db, dialect)
	if err != nil {
		return err
	}
	if current < latest {
		return fmt.Errorf("migrations: schema is at version %d, this binary needs %d: run `duehub migrate`", current, latest)
	}
	return nil
}
