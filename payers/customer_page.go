package payers

import (
	"context"
	"fmt"
	"time"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/vendors"
)

// One of the vendor's customers as the vendor's team sees it on its page:
// the record the vendor pushed, its open invoices, when it was last
// reminded of them, and its promises. Every query is scoped by the vendor;
// another vendor's customer is vendors.ErrNotFound.

// VendorCustomer is a vendor's customer record.
type VendorCustomer struct {
	ID         int64
	ExternalID string
	Name       string
	Email      string
	Phone      string
	PayerID    int64
}

// CustomerInvoice is one of the customer's open invoices.
type CustomerInvoice struct {
	ID              int64
	ExternalID      string
	Number          string
	Currency        string
	AmountDue       int64
	AmountRemaining int64
	DueDate         civil.Date
}

// CustomerOverview is what the vendor's customer page shows of the
// customer's invoices and reminders.
type CustomerOverview struct {
	Customer VendorCustomer
	Payer    Payer
	Open     []CustomerInvoice
	// LastReminded is when a message last carried one of the vendor's
	// invoices of this customer (nil: never, in reminderLookback).
	LastReminded *time.Time
	// PreviousSlot is the slot of the payer's latest regular digest, on
	// any vendor's behalf (zero: none in reminderLookback).
	PreviousSlot time.Time
	// Promises are the customer's promises on the vendor's invoices, live,
	// broken or replaced, newest first.
	Promises []CustomerPromise
}

// CustomerPromise is a promise with how it ended: still standing (neither
// set), broken, replaced by a later promise, or released (kept: the
// invoice was paid, or the payer reported a payment).
type CustomerPromise struct {
	InboxPromise
	ReleasedAt   *time.Time
	SupersededBy *int64
}

// CustomerOverview returns one of the vendor's customers; a customer of
// another vendor is vendors.ErrNotFound.
func (s *Store) CustomerOverview(ctx context.Context, vendorID, customerID int64, now time.Time) (CustomerOverview, error) {
	db := s.db.WithContext(ctx)
	var o CustomerOverview
	var cs []VendorCustomer
	err := db.Table("customers").Select("id, external_id, name, email, phone, payer_id").
		Where("id = ? AND vendor_id = ?", customerID, vendorID).Limit(1).Scan(&cs).Error
	if err != nil {
		return o, overviewErr(err)
	}
	if len(cs) == 0 {
		return o, fmt.Errorf("payers: customer %d: %w", customerID, vendors.ErrNotFound)
	}
	o.Customer = cs[0]
	if o.Payer, err = s.Get(ctx, o.Customer.PayerID); err != nil {
		return o, err
	}
	err = db.Raw(`SELECT id, external_id, number, currency, amount_due, amount_remaining, due_date FROM invoices
WHERE vendor_id = ? AND customer_id = ? AND status = 'open' AND amount_remaining > 0
ORDER BY due_date, id LIMIT 500`, vendorID, customerID).Scan(&o.Open).Error
	if err != nil {
		return o, overviewErr(err)
	}
	err = db.Raw(`
SELECT h.id AS hold_id, i.id AS invoice_id, i.number AS invoice_number, c.name AS customer_name, i.currency,
       h.amount, i.amount_remaining, h.until, h.broken_at, p.timezone AS payer_timezone, p.key AS payer_key,
       h.released_at, h.superseded_by
FROM holds h
JOIN invoices i ON i.id = h.invoice_id AND i.vendor_id = h.vendor_id
JOIN customers c ON c.id = i.customer_id
JOIN payers p ON p.id = h.payer_id
WHERE h.vendor_id = ? AND i.customer_id = ? AND h.kind = ? AND h.until IS NOT NULL
ORDER BY h.created_at DESC, h.id DESC
LIMIT 50`, vendorID, customerID, HoldPromise).Scan(&o.Promises).Error
	if err != nil {
		return o, overviewErr(err)
	}
	prev, err := previousSlots(db, []int64{o.Payer.ID}, now)
	if err != nil {
		return o, overviewErr(err)
	}
	o.PreviousSlot = prev[o.Payer.ID]
	o.LastReminded, err = s.lastReminded(ctx, vendorID, o.Customer, now)
	return o, err
}

// lastReminded is when a sent digest last listed one of the vendor's
// invoices of the customer, within reminderLookback.
func (s *Store) lastReminded(ctx context.Context, vendorID int64, c VendorCustomer, now time.Time) (*time.Time, error) {
	db := s.db.WithContext(ctx)
	var ids []int64
	if err := db.Table("invoices").Where("vendor_id = ? AND customer_id = ?", vendorID, c.ID).Pluck("id", &ids).Error; err != nil {
		return nil, overviewErr(err)
	}
	mine := make(map[string]bool, len(ids))
	for _, id := range ids {
		mine[fmt.Sprint(id)] = true
	}
	var sent []struct {
		SentAt     time.Time
		InvoiceIDs string
	}
	err := db.Raw(`SELECT sent_at, invoice_ids FROM digests WHERE payer_id = ? AND status = 'sent' AND sent_at > ?
ORDER BY sent_at DESC LIMIT 200`, c.PayerID, now.Add(-reminderLookback)).Scan(&sent).Error
	if err != nil {
		return nil, overviewErr(err)
	}
	for _, d := range sent {
		for _, id := range splitIDs(d.InvoiceIDs) {
			if mine[id] {
				t := d.SentAt
				return &t, nil
			}
		}
	}
	return nil, nil
}

func splitIDs(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	return out
}

func overviewErr(err error) error { return fmt.Errorf("payers: customer overview: %w", err) }
