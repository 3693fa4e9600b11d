package payers

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Who on a vendor's team did what. The web inbox knows the signed-in
// member and puts it in the request's context with WithActor; the store's
// vendor actions (reply, assign, resolve, confirm a payment) record it in
// vendor_actions in their own transaction. An action taken with an API key
// has no member and is recorded with a NULL member_id.

// Vendor action kinds, as vendor_actions stores them.
const (
	ActionReply          = "reply"
	ActionAssign         = "assign"
	ActionResolve        = "resolve"
	ActionConfirmPayment = "confirm_payment"
)

type actorKey struct{}

// WithActor returns ctx carrying the vendor member acting in it.
func WithActor(ctx context.Context, memberID int64) context.Context {
	return context.WithValue(ctx, actorKey{}, memberID)
}

// actor is the member acting in ctx, or nil.
func actor(ctx context.Context) any {
	if id, ok := ctx.Value(actorKey{}).(int64); ok && id != 0 {
		return id
	}
	return nil
}

// RecordAction writes one vendor_actions row, with the acting member of ctx (WithActor); threadID or reportID is 0
// when the action is not about one.
func RecordAction(ctx context.Context, tx *gorm.DB, vendorID int64, action string, threadID, reportID int64, at time.Time) error {
	nullable := func(id int64) any {
		if id == 0 {
			return nil
		}
		return id
	}
	err := tx.Exec(`INSERT INTO vendor_actions (vendor_id, member_id, action, thread_id, report_id, created_at)
VALUES (?, ?, ?, ?, ?, ?)`, vendorID, actor(ctx), action, nullable(threadID), nullable(reportID), at).Error
	if err != nil {
		return fmt.Errorf("record %s: %w", action, err)
	}
	return nil
}
