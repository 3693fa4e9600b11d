package vendors

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

// invoiceUpdates is what a push updates of a stored invoice. What the hub
// settled (amount_applied) caps amount_remaining and makes an invoice with
// nothing left paid, as settle does; it is computed in the statement so
// that a credit applied while the push runs is not undone.
var invoiceUpdates = append(clause.AssignmentColumns([]string{"number", "currency", "amount_due", "issue_date",
	"due_date", "pay_url", "pdf_url", "memo"}),
	clause.Assignment{Column: clause.Column{Name: "amount_remaining"}, Value: clause.Expr{SQL: capRemaining("amount_due", "invoices")}},
	clause.Assignment{Column: clause.Column{Name: "status"}, Value: clause.Expr{SQL: cappedStatus}})

// cappedStatus is the SQL of the status settle gives a pushed invoice in an
// upsert: open with nothing left after what the hub settled is paid.
const cappedStatus = `CASE WHEN excluded.status = 'open' AND excluded.amount_due <= invoices.amount_applied
 THEN 'paid' ELSE excluded.status END`

// capRemaining is the SQL of min(pushed remaining, max(0, pushed total -
// stored amount_applied)) in an upsert of table.
func capRemaining(total, table string) string {
	return `CASE WHEN excluded.amount_remaining <= excluded.` + total + ` - ` + table + `.amount_applied
 THEN excluded.amount_remaining WHEN excluded.` + total + ` > ` + table + `.amount_applied
 THEN excluded.` + total + ` - ` + table + `.amount_applied ELSE 0 END`
}

// settle caps a pushed invoice by what the hub settled of the stored one:
// a re-push of an amount_remaining from before a credit was applied or a
// payment confirmed does not bring the settled amount back.
func (inv *Invoice) settle(old Invoice) {
	inv.AmountApplied = old.AmountApplied
	inv.AmountRemaining = min(inv.AmountRemaining, max(0, inv.AmountDue-old.AmountApplied))
	if inv.Status == StatusOpen && inv.AmountDue <= old.AmountApplied {
		inv.Status = StatusPaid
	}
}

func (inv *Invoice) key() string { return inv.ExternalID }

func (inv *Invoice) place(vendorID, customerID int64) {
	inv.VendorID, inv.CustomerID = vendorID, customerID
}

func (inv *Invoice) stamp(created, updated time.Time) {
	inv.CreatedAt, inv.UpdatedAt = created, updated
}

// MaxBatch is the most items one batch push may hold.
const MaxBatch = 1000

// copyMinItems is the smallest push that goes through COPY on PostgreSQL.
// A smaller one (a PUT is a push of one) is compared in Go and written by
// one INSERT: creating the temporary table and the COPY's exchange would
// add two round trips to a request that writes a row or two.
var copyMinItems = 64

// PushInvoices creates or updates the vendor's invoices. Results are in the
// order of items; invalid items get their field errors and do not stop the
// valid ones from being stored.
func (s *Store) PushInvoices(ctx context.Context, vendorID int64, items []InvoiceInput) ([]PushResult, error) {
	results := make([]PushResult, len(items))
	cc := customerChecks{}
	valid := collect[Invoice](results, func(i int) (Invoice, CustomerInput, []FieldError) { return items[i].validateWith(cc) })
	var err error
	switch {
	case len(valid) == 0:
	case s.db.Dialector.Name() == "postgres" && len(valid) >= copyMinItems:
		err = retryAborted(ctx, results, func() error { return s.pushInvoicesCopy(ctx, vendorID, valid, results) })
	default:
		err = retryAborted(ctx, results, func() error {
			return push[Invoice](ctx, s, vendorID, valid, results, upsertInvoiceRows)
		})
	}
	if err != nil {
		return nil, err
	}
	return results, nil
}
