package vendors

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// On PostgreSQL the invoices of a push are COPYed into a temporary table and
// stored by one INSERT … SELECT … ON CONFLICT statement, instead of loading
// the stored rows, comparing them in Go and writing the changed ones with
// bound parameters (7,500 of them per 500 rows, each encoded through
// reflection). The statement itself tells created from updated rows and
// skips unchanged ones, so a re-push of the same batch writes nothing.

// pushInvoicesTable lives as long as the connection and is emptied at every
// commit: no catalog rows are created and dropped per push, which matters on
// a server whose autovacuum is off.
const pushInvoicesTable = `CREATE TEMP TABLE IF NOT EXISTS push_invoices (
    external_id      TEXT NOT NULL,
    number           TEXT NOT NULL,
    customer_id      BIGINT NOT NULL,
    currency         TEXT NOT NULL,
    amount_due       BIGINT NOT NULL,
    amount_remaining BIGINT NOT NULL,
    issue_date       DATE,
    due_date         DATE NOT NULL,
    pay_url          TEXT NOT NULL,
    pdf_url          TEXT NOT NULL,
    status           TEXT NOT NULL,
    memo             TEXT NOT NULL,
    paid_at          TIMESTAMPTZ
) ON COMMIT DELETE ROWS`

var pushInvoicesColumns = []string{"external_id", "number", "customer_id", "currency", "amount_due",
	"amount_remaining", "issue_date", "due_date", "pay_url", "pdf_url", "status", "memo", "paid_at"}

// upsertPushedInvoices stores the copied rows that are new or change
// something. What changes is computed as settle and sameAs compute it in Go
// (SQLite's path): the remaining amount and status capped by the stored
// amount_applied, then any stored column differing from its new value, or
// the customer having changed in this push ($3: its id moves updated_at, so
// updated_after finds the invoice).
//
// Unchanged rows are filtered out by the join before the insert, so a
// re-push takes no row lock and writes nothing (ON CONFLICT DO UPDATE locks
// the row even when its WHERE is false). The same test is repeated in the
// DO UPDATE's WHERE for a row another push changed in between. Rows are
// inserted in key order, so concurrent pushes of overlapping batches lock
// them in one order and cannot deadlock. RETURNING names the rows written;
// xmax is 0 for an inserted row.
var upsertPushedInvoices = `INSERT INTO invoices (vendor_id, external_id, number, customer_id, currency, amount_due,
    amount_remaining, issue_date, due_date, pay_url, pdf_url, status, memo, paid_at, voided_at, created_at, updated_at)
SELECT $1, p.external_id, p.number, p.customer_id, p.currency, p.amount_due, p.amount_remaining, p.issue_date,
    p.due_date, p.pay_url, p.pdf_url, p.status, p.memo,
    CASE WHEN p.status = 'paid' THEN COALESCE(p.paid_at, $2) END, CASE WHEN p.status = 'void' THEN $2::timestamptz END, $2, $2
FROM push_invoices p
LEFT JOIN invoices ON invoices.vendor_id = $1 AND invoices.external_id = p.external_id
WHERE invoices.id IS NULL OR ` + invoiceChanged("p") + `
ORDER BY p.external_id COLLATE "C"
ON CONFLICT (vendor_id, external_id) DO UPDATE SET
    number = excluded.number, customer_id = excluded.customer_id, currency = excluded.currency,
    amount_due = excluded.amount_due, issue_date = excluded.issue_date, due_date = excluded.due_date,
    pay_url = excluded.pay_url, pdf_url = excluded.pdf_url, memo = excluded.memo,
    amount_remaining = ` + capRemaining("amount_due", "invoices") + `,
    status = ` + cappedStatus + `,
    paid_at = ` + pushedPaidAt + `, voided_at = ` + pushedVoidedAt + `,
    updated_at = excluded.updated_at
WHERE ` + invoiceChanged("excluded") + `
RETURNING external_id, xmax = 0`

// invoiceChanged is the SQL of "storing the pushed row (named pushed) over
// the stored invoices row changes it", with $3 the customers that changed.
func invoiceChanged(pushed string) string {
	capped := func(sql string) string { return strings.ReplaceAll(sql, "excluded.", pushed+".") }
	return pushed + `.customer_id = ANY($3::bigint[])
    OR (invoices.number, invoices.customer_id, invoices.currency, invoices.amount_due, invoices.amount_remaining,
        invoices.issue_date, invoices.due_date, invoices.pay_url, invoices.pdf_url, invoices.status, invoices.memo)
    IS DISTINCT FROM (` + pushed + `.number, ` + pushed + `.customer_id, ` + pushed + `.currency, ` + pushed + `.amount_due,
        ` + capped(capRemaining("amount_due", "invoices")) + `,
        ` + pushed + `.issue_date, ` + pushed + `.due_date, ` + pushed + `.pay_url, ` + pushed + `.pdf_url,
        ` + capped(cappedStatus) + `, ` + pushed + `.memo)
    OR (` + pushed + `.paid_at IS NOT NULL AND ` + pushed + `.paid_at <> $2 AND ` + pushed + `.paid_at IS DISTINCT FROM invoices.paid_at)`
}

// pushInvoicesCopy is push for invoices on PostgreSQL. The whole push runs
// on one dedicated connection: gorm's transaction for the customers and
// payers, and pgx's COPY and upsert inside that same transaction, on the
// same server session (database/sql hides the connection of a *sql.Tx, but
// not that of a *sql.Conn).
func (s *Store) pushInvoicesCopy(ctx context.Context, vendorID int64, items []pending[Invoice], results []PushResult) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return fmt.Errorf("vendors: push: %w", err)
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("vendors: push: %w", err)
	}
	defer conn.Close()
	db := s.db.WithContext(ctx).Session(&gorm.Session{})
	db.Statement.ConnPool = conn
	return db.Transaction(func(tx *gorm.DB) error {
		items, custIDs, custChanged, err := pushCustomers(ctx, s, tx, vendorID, items, results)
		if err != nil || len(items) == 0 {
			return err
		}
		changed := make([]int64, 0, len(custChanged))
		for ext := range custChanged {
			changed = append(changed, custIDs[ext])
		}
		return conn.Raw(func(dc any) error {
			sc, ok := dc.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("vendors: push: not a pgx connection: %T", dc)
			}
			return copyUpsertInvoices(ctx, sc.Conn(), vendorID, s.clock(), items, custIDs, changed, results)
		})
	})
}

func copyUpsertInvoices(ctx context.Context, c *pgx.Conn, vendorID int64, now time.Time, items []pending[Invoice],
	custIDs map[string]int64, changedCustomers []int64, results []PushResult) error {
	// One round trip (no arguments: the simple protocol takes both). JIT
	// off: the upsert's estimated cost can pass jit_above_cost on a large
	// table, and compiling it costs more (25 ms measured) than running it.
	if _, err := c.Exec(ctx, pushInvoicesTable+"; SET LOCAL jit = off"); err != nil {
		return fmt.Errorf("vendors: push table: %w", err)
	}
	rows := make([][]any, len(items))
	for i, p := range items {
		inv := &p.row
		var issue any
		if !inv.IssueDate.IsZero() {
			issue = inv.IssueDate.In(time.UTC)
		}
		rows[i] = []any{inv.ExternalID, inv.Number, custIDs[p.cust.ExternalID], inv.Currency, inv.AmountDue,
			inv.AmountRemaining, issue, inv.DueDate.In(time.UTC), inv.PayURL, inv.PDFURL, inv.Status, inv.Memo, pushedTime(inv)}
	}
	if _, err := c.CopyFrom(ctx, pgx.Identifier{"push_invoices"}, pushInvoicesColumns, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("vendors: copy invoices: %w", err)
	}
	written, err := c.Query(ctx, upsertPushedInvoices, vendorID, now, changedCustomers)
	if err != nil {
		return fmt.Errorf("vendors: upsert invoices: %w", err)
	}
	outcome := make(map[string]string, len(items))
	for written.Next() {
		var ext string
		var inserted bool
		if err := written.Scan(&ext, &inserted); err != nil {
			written.Close()
			return fmt.Errorf("vendors: upsert invoices: %w", err)
		}
		outcome[ext] = ResultUpdated
		if inserted {
			outcome[ext] = ResultCreated
		}
	}
	if err := written.Err(); err != nil {
		return fmt.Errorf("vendors: upsert invoices: %w", err)
	}
	for _, p := range items {
		r, ok := outcome[p.row.ExternalID]
		if !ok {
			r = ResultUnchanged
		}
		results[p.idx].Result = r
	}
	return nil
}

// pushedTime is the paid_at the vendor sent with inv, or nil.
func pushedTime(inv *Invoice) any {
	if !inv.paidAtPushed {
		return nil
	}
	return *inv.PaidAt
}
