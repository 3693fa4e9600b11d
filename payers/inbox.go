package payers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/duehub/duehub/civil"
)

// Hold kinds.
const (
	HoldDispute         = "dispute"
	HoldPromise         = "promise"
	HoldPaymentReported = "payment_reported"
)

// OpenInvoice is one invoice a payer owes, across vendors, as the payer sees
// it: the digest and the portal are built from these rows.
type OpenInvoice struct {
	InvoiceID       int64
	ExternalID      string // the vendor's id of the invoice
	VendorID        int64
	VendorName      string
	VendorDomain    string
	CustomerName    string
	Number          string
	Currency        string
	AmountRemaining int64
	IssueDate       civil.Date
	DueDate         civil.Date
	Memo            string
	PayURL          string
	PDFURL          string
	// HoldKind is the active hold, if any ("" when remindable).
	HoldKind  string
	HoldUntil *time.Time
	// PromisedFor is the date the payer promised to pay by, for a promise
	// hold: the one date the digest and the portal both show.
	PromisedFor civil.Date `gorm:"-"`
	// Muted is true when the payer muted the vendor.
	Muted bool
}

// payerInvoicesSQL reads invoices as their payer sees them: vendor, the
// active hold if any (two ? for now), and whether the payer muted the vendor.
// Callers add the WHERE clause, always scoped by c.payer_id.
const payerInvoicesSQL = `
SELECT i.id AS invoice_id, i.external_id, i.vendor_id, v.name AS vendor_name, v.domain AS vendor_domain,
       c.name AS customer_name, i.customer_id, i.number, i.currency, i.amount_due, i.amount_remaining,
       i.issue_date, i.due_date, i.memo, i.pay_url, i.pdf_url, i.status,
       COALESCE((SELECT h.kind FROM holds h WHERE h.invoice_id = i.id AND h.released_at IS NULL
                  AND (h.until IS NULL OR h.until > ?) ORDER BY h.id LIMIT 1), '') AS hold_kind,
       (SELECT h.until FROM holds h WHERE h.invoice_id = i.id AND h.released_at IS NULL
                  AND (h.until IS NULL OR h.until > ?) ORDER BY h.id LIMIT 1) AS hold_until,
       EXISTS (SELECT 1 FROM payer_mutes m WHERE m.payer_id = c.payer_id AND m.vendor_id = i.vendor_id) AS muted
FROM invoices i
JOIN customers c ON c.id = i.customer_id
JOIN vendors v ON v.id = i.vendor_id`

// OpenInvoices returns every open invoice with something remaining that the
// payer owes, from every vendor, ordered by due date. now decides which
// holds are still active.
func (s *Store) OpenInvoices(ctx context.Context, payerID int64, now time.Time) ([]OpenInvoice, error) {
	var rows []OpenInvoice
	err := s.db.WithContext(ctx).Raw(payerInvoicesSQL+`
WHERE c.payer_id = ? AND i.status = 'open' AND i.amount_remaining > 0
ORDER BY i.due_date, i.id`, now.UTC(), now.UTC(), payerID).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("payers: open invoices: %w", err)
	}
	if err := s.datePromises(ctx, payerID, rows); err != nil {
		return nil, err
	}
	return rows, nil
}

// datePromises fills PromisedFor of the promise holds among rows, in the
// payer's timezone.
func (s *Store) datePromises(ctx context.Context, payerID int64, rows []OpenInvoice) error {
	var loc *time.Location
	for i, o := range rows {
		if o.HoldKind != HoldPromise || o.HoldUntil == nil {
			continue
		}
		if loc == nil {
			p, err := s.Get(ctx, payerID)
			if err != nil {
				return err
			}
			loc = p.Location()
		}
		rows[i].PromisedFor = PromisedDate(*o.HoldUntil, loc)
	}
	return nil
}

// Get returns one payer.
func (s *Store) Get(ctx context.Context, payerID int64) (Payer, error) {
	var p Payer
	if err := s.db.WithContext(ctx).Where("id = ?", payerID).Take(&p).Error; err != nil {
		return Payer{}, fmt.Errorf("payers: get: %w", err)
	}
	return p, nil
}

// ErrNotFound means the object does not exist for this payer.
var ErrNotFound = errors.New("not found")
