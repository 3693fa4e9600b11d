package bench

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/migrations"
)

// The bench empties its database: it must never be pointed at a real hub by
// mistake.
const benchSuffix = "_bench"

// CheckURL refuses a database URL that the bench may not wipe: anything but
// PostgreSQL, and a database whose name does not end in _bench unless the
// operator said they understand.
func CheckURL(rawURL string, understood bool) error {
	if database.DialectOf(rawURL) != migrations.Postgres {
		return fmt.Errorf("bench: needs PostgreSQL (postgres://…), not %q", rawURL)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("bench: database URL: %w", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if !understood && !strings.HasSuffix(name, benchSuffix) {
		return fmt.Errorf("bench: refusing to wipe database %q: its name does not end in %s (pass --i-understand-this-wipes to wipe it anyway)", name, benchSuffix)
	}
	return nil
}

// FreshSQLite makes path a new, empty SQLite database file for the bench:
// an existing file (and its -wal and -shm companions) is removed first, but
// only when its name, without extension, ends in _bench, unless the
// operator said they understand. The hub's migrations are applied by the
// caller when it opens the file.
func FreshSQLite(path string, understood bool) error {
	if database.DialectOf(path) != migrations.SQLite {
		return fmt.Errorf("bench: %q is not a SQLite file path", path)
	}
	if _, err := os.Stat(path); err == nil && !understood && !sqliteBenchName(path) {
		return fmt.Errorf("bench: refusing to wipe %q: its name does not end in %s (pass --i-understand-this-wipes to wipe it anyway)", path, benchSuffix)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("bench: remove %s: %w", p, err)
		}
	}
	return nil
}

func sqliteBenchName(path string) bool {
	base := filepath.Base(path)
	return strings.HasSuffix(strings.TrimSuffix(base, filepath.Ext(base)), benchSuffix)
}

// checkDatabase asks the server which database this is (on SQLite, which
// file), so that a URL rewritten by a connection service cannot slip past
// CheckURL.
func checkDatabase(ctx context.Context, db *database.DB, understood bool) error {
	var name string
	if db.Postgres() {
		if err := db.SQL.QueryRowContext(ctx, "SELECT current_database()").Scan(&name); err != nil {
			return fmt.Errorf("bench: current database: %w", err)
		}
		if !understood && !strings.HasSuffix(name, benchSuffix) {
			return fmt.Errorf("bench: refusing to wipe database %q: its name does not end in %s", name, benchSuffix)
		}
		return nil
	}
	var seq int
	var schema string
	if err := db.SQL.QueryRowContext(ctx, "SELECT seq, name, file FROM pragma_database_list WHERE name = 'main'").Scan(&seq, &schema, &name); err != nil {
		return fmt.Errorf("bench: database file: %w", err)
	}
	if !understood && !sqliteBenchName(name) {
		return fmt.Errorf("bench: refusing to wipe database file %q: its name does not end in %s", name, benchSuffix)
	}
	return nil
}

// wipe empties every duehub and River table, keeping the schema and the
// migration versions, and drops the bench's scratch table.
func wipe(ctx context.Context, db *database.DB) error {
	if !db.Postgres() {
		return wipeSQLite(ctx, db.SQL)
	}
	if _, err := db.SQL.ExecContext(ctx, "DROP TABLE IF EXISTS "+copyTable); err != nil {
		return fmt.Errorf("bench: drop scratch table: %w", err)
	}
	tables, err := listTables(ctx, db.SQL, `SELECT quote_ident(tablename) FROM pg_tables
		WHERE schemaname = current_schema() AND tablename NOT IN ('goose_db_version', 'river_migration')`)
	if err != nil {
		return err
	}
	if _, err := db.SQL.ExecContext(ctx, "TRUNCATE "+strings.Join(tables, ", ")+" RESTART IDENTITY CASCADE"); err != nil {
		return fmt.Errorf("bench: truncate: %w", err)
	}
	return nil
}

// wipeSQLite deletes every row on one connection with foreign keys off
// (SQLite has no TRUNCATE … CASCADE), then restarts the AUTOINCREMENT
// counters.
func wipeSQLite(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("bench: wipe: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "DROP TABLE IF EXISTS "+copyTable); err != nil {
		return fmt.Errorf("bench: drop scratch table: %w", err)
	}
	tables, err := listTables(ctx, conn, `SELECT name FROM sqlite_master WHERE type = 'table'
		AND name NOT LIKE 'sqlite_%' AND name NOT IN ('goose_db_version', 'river_migration')`)
	if err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		return fmt.Errorf("bench: wipe: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = ON")
	// Triggers are set aside while the rows go and put back as they were:
	// the audit log's refuse DELETE (append-only), and the planner's would
	// queue every deleted row's payer. TRUNCATE fires neither on PostgreSQL.
	triggers, err := listTriggers(ctx, conn)
	if err != nil {
		return err
	}
	stmts := []string{"BEGIN"}
	for _, tr := range triggers {
		stmts = append(stmts, `DROP TRIGGER "`+tr.name+`"`)
	}
	for _, t := range tables {
		stmts = append(stmts, `DELETE FROM "`+t+`"`)
	}
	for _, tr := range triggers {
		stmts = append(stmts, tr.sql)
	}
	var hasSeq int
	conn.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'").Scan(&hasSeq)
	if hasSeq > 0 {
		stmts = append(stmts, "DELETE FROM sqlite_sequence")
	}
	stmts = append(stmts, "COMMIT")
	for _, q := range stmts {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
			return fmt.Errorf("bench: wipe: %w", err)
		}
	}
	return nil
}

type trigger struct{ name, sql string }

// listTriggers returns the SQLite database's triggers with the statements
// that made them.
func listTriggers(ctx context.Context, conn *sql.Conn) ([]trigger, error) {
	rows, err := conn.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("bench: list triggers: %w", err)
	}
	defer rows.Close()
	var out []trigger
	for rows.Next() {
		var t trigger
		if err := rows.Scan(&t.name, &t.sql); err != nil {
			return nil, fmt.Errorf("bench: list triggers: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// querier is a *sql.DB or one of its connections.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// listTables returns the first column of query: the tables to empty.
func listTables(ctx context.Context, db querier, query string) ([]string, error) {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("bench: list tables: %w", err)
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("bench: list tables: %w", err)
		}
		tables = append(tables, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("bench: list tables: %w", err)
	}
	if len(tables) == 0 {
		return nil, fmt.Errorf("bench: no tables in the current schema: is the database migrated?")
	}
	return tables, nil
}
