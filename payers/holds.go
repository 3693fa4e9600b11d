package payers

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"
)

// Hold pauses reminders for one invoice: an open dispute, a promise to pay,
// a reported payment awaiting the vendor's confirmation.
type Hold struct {
	ID         int64
	PayerID    int64
	VendorID   int64
	InvoiceID  int64
	Kind       string
	Until      *time.Time
	Amount     int64 // a promise's amount, if given
	RefID      int64 // the thread or payment report that placed it
	CreatedAt  time.Time
	ReleasedAt *time.Time
	BrokenAt   *time.Time
	// SupersededBy is the later promise that replaced this one.
	SupersededBy *int64
}

// PlaceHold records a hold on one of the payer's invoices.
func (s *Store) PlaceHold(ctx context.Context, payerID int64, h Hold) (Hold, error) {
	h.PayerID = payerID
	h.CreatedAt = s.now().UTC()
	if err := s.db.WithContext(ctx).Create(&h).Error; err != nil {
		return Hold{}, fmt.Errorf("payers: place hold: %w", err)
	}
	return h, nil
}

// Mute stops reminders from one vendor for the payer.
func (s *Store) Mute(ctx context.Context, payerID, vendorID int64) error {
	m := struct {
		PayerID   int64
		VendorID  int64
		CreatedAt time.Time
	}{payerID, vendorID, s.now().UTC()}
	err := s.db.WithContext(ctx).Table("payer_mutes").Clauses(clause.OnConflict{DoNothing: true}).Create(&m).Error
	if err != nil {
		return fmt.Errorf("payers: mute: %w", err)
	}
	return nil
}
