package vendors

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Event types written for vendors.
const (
	EventDigestDelivered    = "digest.delivered"
	EventContactBounced     = "contact.bounced"
	EventContactUnsubscribe = "contact.unsubscribed"
)

// Event is something a vendor should learn about, read by cursor and
// delivered by webhook. Its payload holds only this vendor's data.
type Event struct {
	ID        int64
	VendorID  int64
	Type      string
	Payload   string // JSON
	CreatedAt time.Time
}

// RecordEvent stores an event for the vendor; payload is marshalled to JSON.
func (s *Store) RecordEvent(ctx context.Context, vendorID int64, typ string, payload any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("vendors: event payload: %w", err)
	}
	e := Event{VendorID: vendorID, Type: typ, Payload: string(b), CreatedAt: s.clock()}
	if err := s.db.WithContext(ctx).Create(&e).Error; err != nil {
		return fmt.Errorf("vendors: record event: %w", err)
	}
	return nil
}

// Events returns the vendor's events after the cursor id, oldest first.
func (s *Store) Events(ctx context.Context, vendorID, afterID int64, limit int) ([]Event, error) {
	var evs []Event
	err := s.db.WithContext(ctx).Where("vendor_id = ? AND id > ?", vendorID, afterID).Order("id").Limit(limit).Find(&evs).Error
	if err != nil {
		return nil, fmt.Errorf("vendors: events: %w", err)
	}
	return evs, nil
}
