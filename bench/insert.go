package bench

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// insertRows is how many invoices one statement of the SQLite baseline
// carries (15 columns each). The SQLite driver (glebarez/go-sqlite) matches
// every bound parameter against every argument, so a statement's binding
// costs the square of its parameters: at 10,000 rows, 1,000 rows a
// statement took 2.6 s, 200 took 1.3 s, 100 took 1.0 s, 50 took 0.5 s, 25
// took 0.35 s and 10 took 0.6 s (one row a statement, 1.2 s). 25 is the
// fastest plain SQL this driver offers.
const insertRows = 25

// SQLite has no COPY. Its fastest plain-SQL path is what the SQLite
// baseline does instead: multi-row INSERTs of the same rows, with the same
// customer_ids the API resolved, in one transaction on the hub's one
// connection (SQLite has one writer, so there are no concurrent streams),
// into a scratch copy of invoices with the same columns, constraints,
// indexes and triggers.

var invoicesWord = regexp.MustCompile(`\binvoices\b`)

// insertBaseline writes the network's invoices into the scratch table with
// multi-row INSERTs in one transaction.
func insertBaseline(ctx context.Context, db *sql.DB, n *network, vk vendorKeys) (copyReport, error) {
	if err := sqliteScratch(ctx, db); err != nil {
		return copyReport{}, err
	}
	cust, err := customerIDs(ctx, db, n, vk)
	if err != nil {
		return copyReport{}, err
	}
	now := time.Now().UTC()
	src := &copySource{n: n, vk: vk, cust: cust, now: now}
	for v := range n.vendors {
		src.vs = append(src.vs, v)
	}
	start := time.Now()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return copyReport{}, fmt.Errorf("bench: insert baseline: %w", err)
	}
	defer tx.Rollback()
	full, err := tx.PrepareContext(ctx, insertSQL(insertRows))
	if err != nil {
		return copyReport{}, fmt.Errorf("bench: insert baseline: %w", err)
	}
	defer full.Close()
	args := make([]any, 0, insertRows*len(copyColumns))
	var rows int64
	flush := func() error {
		k := len(args) / len(copyColumns)
		if k == 0 {
			return nil
		}
		var err error
		if k == insertRows {
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, insertSQL(k), args...)
		}
		if err != nil {
			return fmt.Errorf("bench: insert baseline: %w", err)
		}
		rows += int64(k)
		args = args[:0]
		return nil
	}
	for src.Next() {
		args = append(args, src.row...)
		if len(args) == cap(args) {
			if err := flush(); err != nil {
				return copyReport{}, err
			}
		}
	}
	if src.err != nil {
		return copyReport{}, src.err
	}
	if err := flush(); err != nil {
		return copyReport{}, err
	}
	if err := tx.Commit(); err != nil {
		return copyReport{}, fmt.Errorf("bench: insert baseline: %w", err)
	}
	return copyReport{Rows: rows, Duration: time.Since(start)}, nil
}

// insertSQL is one INSERT of k rows into the scratch table.
func insertSQL(k int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", len(copyColumns)), ",") + ")"
	var b strings.Builder
	b.WriteString("INSERT INTO " + copyTable + " (" + strings.Join(copyColumns, ", ") + ") VALUES ")
	for i := range k {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(row)
	}
	return b.String()
}

// sqliteScratch creates the scratch table from invoices' own definition in
// sqlite_master, with its indexes and triggers renamed.
func sqliteScratch(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS "+copyTable); err != nil {
		return fmt.Errorf("bench: scratch table: %w", err)
	}
	rows, err := db.QueryContext(ctx, `SELECT type, name, sql FROM sqlite_master
		WHERE tbl_name = 'invoices' AND sql IS NOT NULL ORDER BY type = 'table' DESC`)
	if err != nil {
		return fmt.Errorf("bench: scratch table: %w", err)
	}
	var ddl []string
	for rows.Next() {
		var typ, name, q string
		if err := rows.Scan(&typ, &name, &q); err != nil {
			rows.Close()
			return fmt.Errorf("bench: scratch table: %w", err)
		}
		if typ != "table" {
			q = strings.Replace(q, name, "bench_"+name, 1)
		}
		ddl = append(ddl, invoicesWord.ReplaceAllString(q, copyTable))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("bench: scratch table: %w", err)
	}
	if len(ddl) == 0 {
		return fmt.Errorf("bench: scratch table: no invoices table")
	}
	for _, q := range ddl {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("bench: scratch table: %s: %w", q, err)
		}
	}
	return nil
}
