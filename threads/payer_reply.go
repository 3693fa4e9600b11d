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

// The payer's side of a conversation that is already going: a follow-up in
// an existing thread, and a question to a vendor about the account rather
// than one invoice. Replies by email (package inbound) need both.

// PayerReply adds the payer's message to one of its threads that is not
// resolved: the thread is open again (the vendor owes an answer) and a
// thread.message event tells the vendor. ErrNotFound for another payer's
// thread, ErrThreadResolved for a resolved one.
func (s *Store) PayerReply(ctx context.Context, payerID, threadID int64, body string) (Thread, error) {
	body = strings.TrimSpace(body)
	if ve := checkPayerText("body", "The message", body); ve != nil {
		return Thread{}, ve
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	var t Thread
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []Thread
		if err := tx.Where("id = ? AND payer_id = ?", threadID, payerID).Limit(1).Find(&rows).Error; err != nil {
			return fmt.Errorf("load thread: %w", err)
		}
		if len(rows) == 0 {
			return payers.ErrNotFound
		}
		t = rows[0]
		if t.State == ThreadResolved {
			return ErrThreadResolved
		}
		res := tx.Exec(`UPDATE threads SET state = ?, updated_at = ? WHERE id = ? AND payer_id = ? AND state <> ?`,
			ThreadOpen, now, threadID, payerID, ThreadResolved)
		if res.Error != nil {
			return fmt.Errorf("reopen thread: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrThreadResolved
		}
		m := ThreadMessage{ThreadID: threadID, Author: "payer", Body: body, CreatedAt: now}
		if err := tx.Create(&m).Error; err != nil {
			return fmt.Errorf("add message: %w", err)
		}
		ref, err := loadThreadRef(tx, t.VendorID, threadID)
		if err != nil {
			return err
		}
		p := ref.payload()
		p["message_id"], p["author"], p["body"], p["state"] = m.ID, m.Author, m.Body, ThreadOpen
		t.State, t.UpdatedAt = ThreadOpen, now
		return vendors.WriteEvent(tx, t.VendorID, EventThreadMessage, p, now)
	})
	if err != nil {
		return Thread{}, vendors.WrapAction("threads: reply", err)
	}
	if err := s.payers.Touch(ctx, payerID); err != nil {
		return t, err
	}
	return t, nil
}

// ErrThreadResolved means the thread is resolved and takes no more messages.
var ErrThreadResolved = errors.New("thread is resolved")

// AskVendor opens a question on the payer's account with a vendor (no
// invoice) and tells the vendor with a question.created event. The vendor
// must bill the payer: ErrNotFound otherwise, so that no vendor hears from a
// payer it does not know.
func (s *Store) AskVendor(ctx context.Context, payerID, vendorID int64, body string) (Thread, error) {
	body = strings.TrimSpace(body)
	if ve := checkPayerText("body", "The question", body); ve != nil {
		return Thread{}, ve
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	t := Thread{VendorID: vendorID, PayerID: payerID, Kind: ThreadQuestion, State: ThreadOpen, CreatedAt: now, UpdatedAt: now,
		Messages: []ThreadMessage{{Author: "payer", Body: body, CreatedAt: now}}}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Table("customers").Where("vendor_id = ? AND payer_id = ?", vendorID, payerID).Count(&n).Error; err != nil {
			return fmt.Errorf("customer: %w", err)
		}
		if n == 0 {
			return payers.ErrNotFound
		}
		if err := tx.Create(&t).Error; err != nil {
			return fmt.Errorf("create thread: %w", err)
		}
		return vendors.WriteEvent(tx, vendorID, "question.created", map[string]any{"thread_id": t.ID, "body": body}, now)
	})
	if err != nil {
		return Thread{}, vendors.WrapAction("threads: ask vendor", err)
	}
	if err := s.payers.Touch(ctx, payerID); err != nil {
		return t, err
	}
	return t, nil
}
