package payers

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// InboxReminder is one of the vendor's customers that owes it something,
// with the last time a digest carried one of the vendor's invoices to it.
type InboxReminder struct {
	CustomerID   int64
	ExternalID   string
	CustomerName string
	Open         int // the vendor's open invoices of the customer
	// Payer is the network payer the customer reaches: its schedule says
	// when it is next written to.
	Payer Payer
	// LastReminded is when a message last carried one of the vendor's
	// invoices of this customer (nil: never, in reminderLookback).
	LastReminded *time.Time
	// PreviousSlot is the slot of the payer's latest regular digest, on any
	// channel and from any vendor (zero: none): the next one keeps its
	// minimum interval from it. It says nothing of other vendors.
	PreviousSlot time.Time
}

// reminderLookback bounds how far back digests are read for the inbox.
const reminderLookback = 120 * 24 * time.Hour

// InboxReminders returns up to limit of the vendor's customers owing it
// something, by name. A digest counts only when it carried one of this
// vendor's invoices of the customer: whether the payer hears from other
// vendors stays invisible.
func (s *Store) InboxReminders(ctx context.Context, vendorID int64, now time.Time, limit int) ([]InboxReminder, error) {
	db := s.db.WithContext(ctx)
	var rows []struct {
		CustomerID   int64
		ExternalID   string
		CustomerName string
		PayerID      int64
		Open         int
	}
	err := db.Raw(`SELECT c.id AS customer_id, c.external_id, c.name AS customer_name, c.payer_id, COUNT(i.id) AS open
FROM customers c JOIN invoices i ON i.customer_id = c.id AND i.status = 'open' AND i.amount_remaining > 0
WHERE c.vendor_id = ? AND c.payer_id IS NOT NULL
GROUP BY c.id, c.external_id, c.name, c.payer_id
ORDER BY c.name, c.id LIMIT ?`, vendorID, limit).Scan(&rows).Error
	if err != nil || len(rows) == 0 {
		return nil, reminderErr(err)
	}
	customerIDs := make([]int64, len(rows))
	payerIDs := make([]int64, len(rows))
	for i, r := range rows {
		customerIDs[i], payerIDs[i] = r.CustomerID, r.PayerID
	}
	ps, err := s.GetMany(ctx, payerIDs)
	if err != nil {
		return nil, err
	}
	var invs []struct {
		ID         int64
		CustomerID int64
	}
	err = db.Raw(`SELECT id, customer_id FROM invoices WHERE vendor_id = ? AND customer_id IN ?`, vendorID, customerIDs).Scan(&invs).Error
	if err != nil {
		return nil, reminderErr(err)
	}
	customerOf := make(map[string]int64, len(invs))
	for _, in := range invs {
		customerOf[strconv.FormatInt(in.ID, 10)] = in.CustomerID
	}
	var sent []struct {
		PayerID    int64
		SentAt     time.Time
		InvoiceIDs string
	}
	err = db.Raw(`SELECT payer_id, sent_at, invoice_ids FROM digests
WHERE payer_id IN ? AND status = 'sent' AND sent_at > ? ORDER BY sent_at DESC`, payerIDs, now.Add(-reminderLookback)).Scan(&sent).Error
	if err != nil {
		return nil, reminderErr(err)
	}
	last := map[int64]time.Time{}
	for _, d := range sent {
		for id := range strings.SplitSeq(d.InvoiceIDs, ",") {
			if c, ok := customerOf[id]; ok && slices.Contains(customerIDs, c) {
				if _, seen := last[c]; !seen {
					last[c] = d.SentAt
				}
			}
		}
	}
	prev, err := previousSlots(db, payerIDs, now)
	if err != nil {
		return nil, reminderErr(err)
	}
	out := make([]InboxReminder, len(rows))
	for i, r := range rows {
		out[i] = InboxReminder{CustomerID: r.CustomerID, ExternalID: r.ExternalID, CustomerName: r.CustomerName,
			Open: r.Open, Payer: ps[r.PayerID], PreviousSlot: prev[r.PayerID]}
		if t, ok := last[r.CustomerID]; ok {
			out[i].LastReminded = &t
		}
	}
	return out, nil
}

func reminderErr(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("payers: inbox reminders: %w", err)
}

// previousSlots returns the slot of each payer's latest regular digest
// within reminderLookback: the schedule's next send is counted from it.
func previousSlots(db *gorm.DB, payerIDs []int64, now time.Time) (map[int64]time.Time, error) {
	// Plain columns, not MAX(slot): SQLite returns an aggregate's time as
	// text.
	var slots []struct {
		PayerID int64
		Slot    time.Time
	}
	err := db.Raw(`SELECT payer_id, slot FROM digests WHERE payer_id IN ? AND kind = 'regular'
AND status NOT IN ('expired', 'empty') AND slot > ?`, payerIDs, now.Add(-reminderLookback)).Scan(&slots).Error
	if err != nil {
		return nil, err
	}
	prev := make(map[int64]time.Time, len(payerIDs))
	for _, sl := range slots {
		if sl.Slot.After(prev[sl.PayerID]) {
			prev[sl.PayerID] = sl.Slot
		}
	}
	return prev, nil
}
