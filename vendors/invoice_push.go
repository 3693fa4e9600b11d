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
	clause.Assignment{Column: clause.Column{Name: "status"}, Value: clause.Expr{SQL: cappedStatus}},
	clause.Assignment{Column: clause.Column{Name: "paid_at"}, Value: clause.Expr{SQL: pushedPaidAt}},
	clause.Assignment{Column: clause.Column{Name: "voided_at"}, Value: clause.Expr{SQL: pushedVoidedAt}})

// pushedPaidAt is the SQL of the paid_at an upsert gives a stored invoice:
// none unless it ends paid; the pushed paid_at if the vendor sent one;
// else the stored one if it was paid already, else the push time. A
// paid_at the hub filled in with the push time equals excluded.updated_at,
// which is how it is told from one the vendor sent.
var pushedPaidAt = `CASE WHEN (` + cappedStatus + `) <> 'paid' THEN NULL
 WHEN invoices.status = 'paid' AND (excluded.paid_at IS NULL OR excluded.paid_at = excluded.updated_at)
 THEN COALESCE(invoices.paid_at, excluded.updated_at)
 ELSE COALESCE(excluded.paid_at, excluded.updated_at) END`

// pushedVoidedAt keeps the time an invoice was first voided.
const pushedVoidedAt = `CASE WHEN excluded.status <> 'void' THEN NULL
 WHEN invoices.status = 'void' THEN COALESCE(invoices.voided_at, excluded.updated_at)
 ELSE excluded.updated_at END`

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
	if inv.Status == StatusPaid && !inv.paidAtPushed && old.Status == StatusPaid {
		inv.PaidAt = old.PaidAt
	}
	if inv.Status == StatusVoid && old.Status == StatusVoid {
		inv.VoidedAt = old.VoidedAt
	}
}

func (inv *Invoice) key() string { return inv.ExternalID }

func (inv *Invoice) place(vendorID, customerID int64) {
	inv.VendorID, inv.CustomerID = vendorID, customerID
}

// stamp also dates a paid or void invoice that has no date for it yet: the
// time of this push.
func (inv *Invoice) stamp(created, updated time.Time) {
	inv.CreatedAt, inv.UpdatedAt = created, updated
	if inv.Status == StatusPaid && inv.PaidAt == nil {
		inv.PaidAt = &updated
	}
	if inv.Status == StatusVoid && inv.VoidedAt == nil {
		inv.VoidedAt = &updated
	}
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
	if s.paidChanged != nil {
		for _, inv := range valid {
			if r := results[inv.idx].Result; r == ResultUpdated || (r == ResultCreated && inv.row.Status == StatusPaid) {
				s.paidChanged(vendorID)
				break
			}
		}
	}
	return results, nil
}
