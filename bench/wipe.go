package bench

import (
	"context"
	"fmt"
	"net/url"
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

// checkDatabase asks the server which database this is, so that a URL
// rewritten by a connection service cannot slip past CheckURL.
func checkDatabase(ctx context.Context, db *database.DB, understood bool) error {
	var name string
	if err := db.SQL.QueryRowContext(ctx, "SELECT current_database()").Scan(&name); err != nil {
		return fmt.Errorf("bench: current database: %w", err)
	}
	if !understood && !strings.HasSuffix(name, benchSuffix) {
		return fmt.Errorf("bench: refusing to wipe database %q: its name does not end in %s", name, benchSuffix)
	}
	return nil
}

// wipe empties every duehub and River table of the current schema, keeping
// the schema and the migration versions, and drops the bench's scratch table.
func wipe(ctx context.Context, db *database.DB) error {
	if _, err := db.SQL.ExecContext(ctx, "DROP TABLE IF EXISTS "+copyTable); err != nil {
		return fmt.Errorf("bench: drop scratch table: %w", err)
	}
	rows, err := db.SQL.QueryContext(ctx, `SELECT quote_ident(tablename) FROM pg_tables
		WHERE schemaname = current_schema() AND tablename NOT IN ('goose_db_version', 'river_migration')`)
	if err != nil {
		return fmt.Errorf("bench: list tables: %w", err)
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return fmt.Errorf("bench: list tables: %w", err)
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("bench: list tables: %w", err)
	}
	if len(tables) == 0 {
		return fmt.Errorf("bench: no tables in the current schema: is the database migrated?")
	}
	if _, err := db.SQL.ExecContext(ctx, "TRUNCATE "+strings.Join(tables, ", ")+" RESTART IDENTITY CASCADE"); err != nil {
		return fmt.Errorf("bench: truncate: %w", err)
	}
	return nil
}
