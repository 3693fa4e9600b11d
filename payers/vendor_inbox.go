package payers

import (
	"context"
	"fmt"
	"time"

	"github.com/duehub/duehub/civil"
)

// What a vendor's AR team works through in its web inbox and daily summary,
// besides threads and reported payments: promises, contacts that cannot be
// reached, and how fast the team answers. Every query is scoped by the
// vendor and shows only the vendor's own records of its customers.

// InboxPromise is a promise to pay on one of the vendor's open invoices.
type InboxPromise struct {
	HoldID          int64
	InvoiceID       int64
	InvoiceNumber   string
	CustomerName    string
	Currency        string
	Amount          int64 // 0: the whole remaining amount
	AmountRemaining int64
	Until           time.Time
	BrokenAt        *time.Time
	PayerTimezone   string
	PayerKey        string
}

// Promised is the date the payer promised to pay by, as the payer chose it
// (in the payer's timezone, not the vendor's).
func (p InboxPromise) Promised() civil.Date {
	return PromisedDate(p.Until, Payer{Timezone: p.PayerTimezone, Key: p.PayerKey}.Location())
}

// InboxPromises returns the vendor's promises that fall due before
// dueBefore and those broken since brokenSince, on invoices still open,
// soonest first.
func (s *Store) InboxPromises(ctx context.Context, vendorID int64, dueBefore, brokenSince time.Time) ([]InboxPromise, error) {
	var rows []InboxPromise
	err := s.db.WithContext(ctx).Raw(`
SELECT h.id AS hold_id, i.id AS invoice_id, i.number AS invoice_number, c.name AS customer_name, i.currency,
       h.amount, i.amount_remaining, h.until, h.broken_at, p.timezone AS payer_timezone, p.key AS payer_key
FROM holds h
JOIN invoices i ON i.id = h.invoice_id AND i.vendor_id = h.vendor_id
JOIN customers c ON c.id = i.customer_id
JOIN payers p ON p.id = h.payer_id
WHERE h.vendor_id = ? AND h.kind = ? AND h.released_at IS NULL AND h.until IS NOT NULL
  AND i.status = 'open' AND i.amount_remaining > 0
  AND ((h.broken_at IS NULL AND h.until <= ?) OR (h.broken_at IS NOT NULL AND h.broken_at >= ?))
ORDER BY h.until, h.id
LIMIT 200`, vendorID, HoldPromise, dueBefore.UTC(), brokenSince.UTC()).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("payers: inbox promises: %w", err)
	}
	return rows, nil
}

// InboxContact is one of the vendor's customer addresses nothing is sent to
// any more: it bounced, complained, unsubscribed or sent STOP.
type InboxContact struct {
	CustomerID   int64
	ExternalID   string
	CustomerName string
	Channel      string
	Address      string
	Reason       string
	CreatedAt    time.Time
}

// InboxContacts returns the vendor's customer addresses that are
// suppressed, newest first. Only addresses the vendor itself pushed are
// shown, never other contacts of the payer.
func (s *Store) InboxContacts(ctx context.Context, vendorID int64) ([]InboxContact, error) {
	var rows []InboxContact
	err := s.db.WithContext(ctx).Raw(`
SELECT c.id AS customer_id, c.external_id, c.name AS customer_name, s.channel, s.address, s.reason, s.created_at
FROM suppressions s
JOIN customers c ON c.vendor_id = ?
 AND ((s.channel = 'email' AND c.email = s.address) OR (s.channel = 'sms' AND c.phone = s.address))
ORDER BY s.created_at DESC, c.id
LIMIT 200`, vendorID).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("payers: inbox contacts: %w", err)
	}
	return rows, nil
}

// SupersededPromise is a promise the payer replaced with a later one.
type SupersededPromise struct {
	InboxPromise
	SupersededAt  time.Time  // when the new promise came
	NewUntil      *time.Time // the new promise's end (nil if it is gone)
	NewAmount     int64
	NewHoldBroken *time.Time
}

// NewPromised is the date the replacing promise names.
func (p SupersededPromise) NewPromised() civil.Date {
	if p.NewUntil == nil {
		return civil.Date{}
	}
	return PromisedDate(*p.NewUntil, Payer{Timezone: p.PayerTimezone, Key: p.PayerKey}.Location())
}

// SupersededPromises returns the vendor's promises replaced by a later one
// since since, on invoices still open, newest first: the vendor's queue
// shows the change instead of the old promise vanishing.
func (s *Store) SupersededPromises(ctx context.Context, vendorID int64, since time.Time) ([]SupersededPromise, error) {
	var rows []SupersededPromise
	err := s.db.WithContext(ctx).Raw(`
SELECT h.id AS hold_id, i.id AS invoice_id, i.number AS invoice_number, c.name AS customer_name, i.currency,
       h.amount, i.amount_remaining, h.until, h.broken_at, p.timezone AS payer_timezone, p.key AS payer_key,
       h.released_at AS superseded_at, n.until AS new_until, n.amount AS new_amount, n.broken_at AS new_hold_broken
FROM holds h
JOIN invoices i ON i.id = h.invoice_id AND i.vendor_id = h.vendor_id
JOIN customers c ON c.id = i.customer_id
JOIN payers p ON p.id = h.payer_id
LEFT JOIN holds n ON n.id = h.superseded_by AND n.vendor_id = h.vendor_id
WHERE h.vendor_id = ? AND h.kind = ? AND h.superseded_by IS NOT NULL AND h.released_at >= ? AND h.until IS NOT NULL
  AND i.status = 'open' AND i.amount_remaining > 0
ORDER BY h.released_at DESC, h.id DESC
LIMIT 200`, vendorID, HoldPromise, since.UTC()).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("payers: superseded promises: %w", err)
	}
	return rows, nil
}
