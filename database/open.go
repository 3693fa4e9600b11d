package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/duehub/duehub/migrations"
)

// DB is an open store: the gorm handle, the SQL pool under it and its dialect.
type DB struct {
	Gorm    *gorm.DB
	SQL     *sql.DB
	Dialect migrations.Dialect
	// URL is the connection string the store was opened with (secrets included;
	// never log it).
	URL string
}

// Postgres reports whether the store is PostgreSQL.
func (db *DB) Postgres() bool { return db.Dialect == migrations.Postgres }

// Close closes the pool.
func (db *DB) Close() error { return db.SQL.Close() }

// DialectOf tells which database a URL names: postgres:// and postgresql://
// are PostgreSQL; anything else is a SQLite file path (sqlite:// optional).
func DialectOf(rawURL string) migrations.Dialect {
	if strings.HasPrefix(rawURL, "postgres://") || strings.HasPrefix(rawURL, "postgresql://") {
		return migrations.Postgres
	}
	return migrations.SQLite
}

// Open connects to the database named by rawURL. It does not migrate.
func Open(ctx context.Context, rawURL string, log *slog.Logger) (*DB, error) {
	cfg := &gorm.Config{
		TranslateError:         true,
		SkipDefaultTransaction: true,
		// gorm's statement cache stays off on both databases. pgx already
		// prepares and caches each statement per connection. The SQLite
		// driver (glebarez/go-sqlite) compiles the SQL again on every
		// execution of a prepared statement, so gorm's cache saves nothing
		// there (measured: the same CPU per inbox query with and without),
		// and with SQLite's one connection it deadlocks: a query preparing
		// outside a transaction waits for the connection while the
		// transaction holding it waits for that statement to be prepared.
		PrepareStmt: false,
		NowFunc:     func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		Logger:      gormLogger(log),
	}
	dialect := DialectOf(rawURL)
	var dialector gorm.Dialector
	if dialect == migrations.Postgres {
		if _, err := url.Parse(rawURL); err != nil {
			return nil, fmt.Errorf("database: DUEHUB_DATABASE_URL is not a valid URL")
		}
		dialector = postgres.Open(rawURL)
	} else {
		dialector = sqlite.Open(sqliteDSN(rawURL))
	}
	g, err := gorm.Open(dialector, cfg)
	if err != nil {
		return nil, fmt.Errorf("database: open: %w", err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	if dialect == migrations.SQLite {
		// SQLite has one writer. One connection makes writers queue in Go instead
		// of failing with SQLITE_BUSY, and transactions are immediate so a
		// read-then-write never deadlocks on lock upgrade.
		sqlDB.SetMaxOpenConns(1)
	} else {
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(20)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("database: cannot reach the database named by DUEHUB_DATABASE_URL: %w", err)
	}
	return &DB{Gorm: g, SQL: sqlDB, Dialect: dialect, URL: rawURL}, nil
}

// sqliteDSN turns a path (optionally sqlite:// or file:) into a DSN with the
// pragmas duehub relies on.
func sqliteDSN(raw string) string {
	path := strings.TrimPrefix(raw, "sqlite://")
	path = strings.TrimPrefix(path, "sqlite:")
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
}

func gormLogger(log *slog.Logger) logger.Interface {
	if log == nil {
		return logger.Discard
	}
	return lazyLogger{logger.NewSlogLogger(log, logger.Config{
		SlowThreshold:             slowQuery,
		IgnoreRecordNotFoundError: true,
		LogLevel:                  logger.Warn,
	})}
}

const slowQuery = time.Second

// lazyLogger passes on only the statements gorm's logger will print (errors
// and slow queries). gorm's slog logger renders every statement with its
// values before deciding, which cost a quarter of the CPU of a batch push
// (BENCHMARKS.md).
type lazyLogger struct{ logger.Interface }

func (l lazyLogger) LogMode(level logger.LogLevel) logger.Interface {
	return lazyLogger{l.Interface.LogMode(level)}
}

// Statements cut short by their context (a request given up or past its
// deadline) and transactions aborted by a deadlock or serialization
// conflict are not logged with their SQL: the caller retries the second
// and reports both where it handles the error, once, without the values.
// A bench push under load logged hundreds of kilobytes of SQL at ERROR.
func (l lazyLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	failed := err != nil && !errors.Is(err, gorm.ErrRecordNotFound) &&
		!errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) && !AbortedByConflict(err)
	if failed || time.Since(begin) > slowQuery {
		l.Interface.Trace(ctx, begin, fc, err)
	}
}

// AbortedByConflict reports a PostgreSQL deadlock (40P01) or serialization
// failure (40001): the transaction did nothing and may be run again.
func AbortedByConflict(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}
