package threads

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// One conversation per topic: the payer answers inside a thread, and a
// second dispute on an invoice joins the one still open.

// PayerReply adds the payer's message to one of its threads. An answered
// thread opens again, so that it is back in the vendor's queue; a resolved
// one takes no more messages (a *vendors.ValidationError on "body": ask
// again, in a new thread).
func (s *Store) PayerReply(ctx context.Context, payerID, threadID int64, body string) (Thread, error) {
	body = strings.TrimSpace(body)
	if ve := checkPayerText("body", "Your reply", body); ve != nil {
		return Thread{}, ve
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	var t Thread
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ? AND payer_id = ?", threadID, payerID).Take(&t).Error; err != nil {
			if err == gorm.ErrRecordNotFound {
				return payers.ErrNotFound
			}
			return fmt.Errorf("load thread: %w", err)
		}
		if t.InvoiceID != nil {
			if _, err := payers.LoadActingInvoice(tx, payerID, *t.InvoiceID); err != nil && !errors.Is(err, payers.ErrInvoiceClosed) {
				return err
			}
		}
		return appendPayerMessage(tx, &t, body, nil, now)
	})
	if err != nil {
		return Thread{}, vendors.WrapAction("threads: reply", err)
	}
	return t, s.payers.Touch(ctx, payerID)
}

// appendPayerMessage adds the payer's message to thread t inside tx, opens
// it again when it was answered, and writes the vendor's thread.message
// event; extra goes into the event (a joined dispute's new claim).
func appendPayerMessage(tx *gorm.DB, t *Thread, body string, extra map[string]any, now time.Time) error {
	res := tx.Exec(`UPDATE threads SET state = ?, updated_at = ? WHERE id = ? AND payer_id = ? AND state <> ?`,
		ThreadOpen, now, t.ID, t.PayerID, ThreadResolved)
	if res.Error != nil {
		return fmt.Errorf("reopen thread: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrThreadResolved
	}
	t.State, t.UpdatedAt = ThreadOpen, now
	m := ThreadMessage{ThreadID: t.ID, Author: "payer", Body: body, CreatedAt: now}
	if err := tx.Create(&m).Error; err != nil {
		return fmt.Errorf("add message: %w", err)
	}
	ref, err := loadThreadRef(tx, t.VendorID, t.ID)
	if err != nil {
		return err
	}
	p := ref.payload()
	p["message_id"], p["author"], p["body"], p["state"] = m.ID, m.Author, m.Body, ThreadOpen
	for k, v := range extra {
		p[k] = v
	}
	return vendors.WriteEvent(tx, t.VendorID, EventThreadMessage, p, now)
}

// joinOpenDispute adds a second dispute on an invoice to the dispute still
// open on it, inside tx: the thread takes the new reason and amount, the
// note becomes a message. It reports false when no dispute is open.
func joinOpenDispute(tx *gorm.DB, payerID int64, inv payers.ActingInvoice, d Thread, note string, now time.Time) (Thread, bool, error) {
	var open []Thread
	err := tx.Where("payer_id = ? AND invoice_id = ? AND kind = ? AND state <> ?", payerID, inv.ID, ThreadDispute, ThreadResolved).
		Order("id").Limit(1).Find(&open).Error
	if err != nil {
		return Thread{}, false, fmt.Errorf("find open dispute: %w", err)
	}
	if len(open) == 0 {
		return Thread{}, false, nil
	}
	t := open[0]
	if t.Reason != d.Reason || t.DisputedAmount != d.DisputedAmount {
		if err := tx.Model(&Thread{}).Where("id = ?", t.ID).
			Updates(map[string]any{"reason": d.Reason, "disputed_amount": d.DisputedAmount}).Error; err != nil {
			return Thread{}, false, fmt.Errorf("update dispute: %w", err)
		}
		t.Reason, t.DisputedAmount = d.Reason, d.DisputedAmount
	}
	extra := map[string]any{"reason": d.Reason, "disputed_amount": d.DisputedAmount, "currency": t.Currency}
	if err := appendPayerMessage(tx, &t, note, extra, now); err != nil {
		return Thread{}, false, err
	}
	return t, true, nil
}

// AnsweredInvoices tells which of the payer's invoices have a conversation
// the vendor answered last: what the payer has not yet replied to.
func (s *Store) AnsweredInvoices(ctx context.Context, payerID int64) (map[int64]bool, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Raw(`SELECT DISTINCT invoice_id FROM threads
WHERE payer_id = ? AND state = ? AND invoice_id IS NOT NULL`, payerID, ThreadAnswered).Scan(&ids).Error
	if err != nil {
		return nil, fmt.Errorf("threads: answered invoices: %w", err)
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}
