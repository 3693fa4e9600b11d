package vendors

import (
	"strings"

	"gorm.io/gorm"

	"github.com/duehub/duehub/database"
)

// On SQLite (no COPY), and for pushes too small for COPY on PostgreSQL (see
// copyMinItems), the invoices a push changes are written by multi-row
// INSERT … ON CONFLICT statements built here, with the values bound in
// column order: gorm's CreateInBatches would read every field of every row
// through reflection to build the same statement.

var invoiceRowColumns = []string{"vendor_id", "external_id", "number", "customer_id", "currency", "amount_due",
	"amount_remaining", "amount_applied", "issue_date", "due_date", "pay_url", "pdf_url", "status", "memo",
	"paid_at", "voided_at", "created_at", "updated_at"}

// upsertInvoiceSuffix updates a stored row as invoiceUpdates does: what the
// hub settled caps the remaining amount and the status.
var upsertInvoiceSuffix = ` ON CONFLICT (vendor_id, external_id) DO UPDATE SET number = excluded.number,
 currency = excluded.currency, amount_due = excluded.amount_due, issue_date = excluded.issue_date,
 due_date = excluded.due_date, pay_url = excluded.pay_url, pdf_url = excluded.pdf_url, memo = excluded.memo,
 amount_remaining = ` + capRemaining("amount_due", "invoices") + `, status = ` + cappedStatus + `,
 paid_at = ` + pushedPaidAt + `, voided_at = ` + pushedVoidedAt + `,
 customer_id = excluded.customer_id, updated_at = excluded.updated_at`

// upsertInvoiceRows writes rows (new ones with their created_at; stored
// ones are updated, keeping theirs).
func upsertInvoiceRows(tx *gorm.DB, rows []Invoice) error {
	for len(rows) > 0 {
		n := min(len(rows), database.RowsPerStatement(tx, len(invoiceRowColumns)))
		var sql strings.Builder
		sql.WriteString("INSERT INTO invoices (" + strings.Join(invoiceRowColumns, ", ") + ") VALUES ")
		tuple := "(" + strings.Repeat("?, ", len(invoiceRowColumns)-1) + "?)"
		args := make([]any, 0, n*len(invoiceRowColumns))
		for i, r := range rows[:n] {
			if i > 0 {
				sql.WriteString(", ")
			}
			sql.WriteString(tuple)
			args = append(args, r.VendorID, r.ExternalID, r.Number, r.CustomerID, r.Currency, r.AmountDue,
				r.AmountRemaining, r.AmountApplied, r.IssueDate, r.DueDate, r.PayURL, r.PDFURL, r.Status, r.Memo,
				r.PaidAt, r.VoidedAt, r.CreatedAt, r.UpdatedAt)
		}
		sql.WriteString(upsertInvoiceSuffix)
		if err := tx.Exec(sql.String(), args...).Error; err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}
