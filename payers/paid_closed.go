package payers

import (
	"context"
	"fmt"
	"time"
)

// What the payer paid and its vendors closed (issue 13): the portal's
// "Paid and closed" tab. Scoped by the payer.

// ClosedInvoice is one of the payer's invoices paid (or voided) since a time.
type ClosedInvoice struct {
	InvoiceID  int64
	VendorID   int64
	VendorName string
	Number     string
	Currency   string
	AmountDue  int64
	Status     string // paid | void
	PaidAt     *time.Time
	UpdatedAt  time.Time
}

// ClosedAt is when the invoice was paid, else last changed (voided).
func (c ClosedInvoice) ClosedAt() time.Time {
	if c.PaidAt != nil {
		return *c.PaidAt
	}
	return c.UpdatedAt
}

// ConfirmedPayment is a payment the payer reported and its vendor confirmed.
type ConfirmedPayment struct {
	ID          int64
	VendorID    int64
	VendorName  string
	Method      string
	Reference   string
	Amount      int64
	Currency    string
	ConfirmedAt time.Time
}

// PaidAndClosed returns the payer's invoices closed since since, newest
// first, and the payments its vendors confirmed since then.
func (s *Store) PaidAndClosed(ctx context.Context, payerID int64, since time.Time) ([]ClosedInvoice, []ConfirmedPayment, error) {
	db := s.db.WithContext(ctx)
	var invs []ClosedInvoice
	err := db.Raw(`
SELECT i.id AS invoice_id, i.vendor_id, v.name AS vendor_name, i.number, i.currency, i.amount_due, i.status,
       i.paid_at, i.updated_at
FROM invoices i JOIN customers c ON c.id = i.customer_id JOIN vendors v ON v.id = i.vendor_id
WHERE c.payer_id = ? AND i.status IN ('paid', 'void') AND (i.paid_at >= ? OR (i.paid_at IS NULL AND i.updated_at >= ?))
ORDER BY v.name, i.vendor_id, i.paid_at DESC, i.updated_at DESC, i.id DESC
LIMIT 1000`, payerID, since.UTC(), since.UTC()).Scan(&invs).Error
	if err != nil {
		return nil, nil, fmt.Errorf("payers: paid and closed: %w", err)
	}
	var pays []ConfirmedPayment
	err = db.Raw(`
SELECT r.id, r.vendor_id, v.name AS vendor_name, r.method, r.reference, r.amount, r.currency, r.confirmed_at
FROM payment_reports r JOIN vendors v ON v.id = r.vendor_id
WHERE r.payer_id = ? AND r.confirmed_at >= ?
ORDER BY v.name, r.vendor_id, r.confirmed_at DESC, r.id DESC
LIMIT 1000`, payerID, since.UTC()).Scan(&pays).Error
	if err != nil {
		return nil, nil, fmt.Errorf("payers: confirmed payments: %w", err)
	}
	return invs, pays, nil
}
