package threads

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// A question to a vendor about the payer's account rather than one invoice:
// replies by email (package inbound) that name a vendor and no invoice.

// ErrThreadResolved means the thread is resolved and takes no more
// messages. It is a field error, so that the portal shows it next to the
// reply; replies by email recognise it with errors.Is and ask anew.
var ErrThreadResolved = vendors.Invalid("body", "This conversation is resolved: ask a new question instead.")

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
