package checkout

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"
	"gorm.io/gorm/clause"
)

// StripeEvent is a verified Stripe webhook event, stored once by its id.
type StripeEvent struct {
	ID          int64
	EventID     string
	Type        string
	Payload     string
	ReceivedAt  time.Time
	ProcessedAt *time.Time
}

// TableName names the table.
func (StripeEvent) TableName() string { return "stripe_events" }

// Handled says whether the hub acts on events of the type; others are
// acknowledged and dropped.
func Handled(typ string) bool {
	switch typ {
	case "checkout.session.completed", "checkout.session.async_payment_succeeded",
		"checkout.session.async_payment_failed", "charge.refunded", "payment_intent.payment_failed",
		"transfer.created", "transfer.updated", "transfer.reversed", "account.updated":
		return true
	}
	return false
}

// Received is what Receive made of a webhook.
type Received struct {
	EventID string
	Type    string
	// RowID is the stored event (0 when the type is not handled); Fresh is
	// false for a replay of an event already stored.
	RowID int64
	Fresh bool
}

// Receive verifies a webhook's Stripe-Signature over the raw body (within
// Stripe's 5-minute tolerance) and stores the event once by its id. A new
// event is handed to the job runner (OnEvent); a replay is not.
func (s *Store) Receive(ctx context.Context, body []byte, signature string) (Received, error) {
	ev, err := webhook.ConstructEventWithOptions(body, signature, s.webhookSecret,
		webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
	if err != nil {
		return Received{}, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	out := Received{EventID: ev.ID, Type: string(ev.Type)}
	if !Handled(out.Type) {
		return out, nil
	}
	row := StripeEvent{EventID: ev.ID, Type: out.Type, Payload: string(body), ReceivedAt: s.stamp()}
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "event_id"}}, DoNothing: true}).Create(&row)
	if res.Error != nil {
		return Received{}, fmt.Errorf("checkout: store Stripe event: %w", res.Error)
	}
	out.Fresh = res.RowsAffected == 1
	if !out.Fresh {
		var ids []int64
		if err := s.db.WithContext(ctx).Model(&StripeEvent{}).Where("event_id = ?", ev.ID).Pluck("id", &ids).Error; err != nil || len(ids) == 0 {
			return Received{}, fmt.Errorf("checkout: find Stripe event: %v", err)
		}
		out.RowID = ids[0]
		return out, nil
	}
	out.RowID = row.ID
	s.mu.Lock()
	enqueue := s.enqueue
	s.mu.Unlock()
	if enqueue != nil {
		// The row is the truth: if this fails the periodic pass enqueues it.
		_ = enqueue(ctx, row.ID)
	}
	return out, nil
}

// PendingEvents returns stored events not yet processed, oldest first.
func (s *Store) PendingEvents(ctx context.Context, limit int) ([]int64, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Model(&StripeEvent{}).Where("processed_at IS NULL").Order("id").Limit(limit).Pluck("id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("checkout: pending events: %w", err)
	}
	return ids, nil
}

// decode reads the event's object.
func decode[T any](payload string) (T, error) {
	var ev stripe.Event
	var obj T
	if err := json.Unmarshal([]byte(payload), &ev); err != nil {
		return obj, fmt.Errorf("checkout: decode event: %w", err)
	}
	if ev.Data == nil {
		return obj, fmt.Errorf("checkout: event without data")
	}
	if err := json.Unmarshal(ev.Data.Raw, &obj); err != nil {
		return obj, fmt.Errorf("checkout: decode event object: %w", err)
	}
	return obj, nil
}
