package payers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Every payer action that stops reminders can be undone from the portal.

// MutedVendor is a vendor the payer muted.
type MutedVendor struct {
	VendorID  int64
	Name      string
	CreatedAt time.Time
}

// Mutes lists the vendors the payer muted, by name.
func (s *Store) Mutes(ctx context.Context, payerID int64) ([]MutedVendor, error) {
	var out []MutedVendor
	err := s.db.WithContext(ctx).Raw(`
SELECT m.vendor_id, v.name, m.created_at
FROM payer_mutes m JOIN vendors v ON v.id = m.vendor_id
WHERE m.payer_id = ?
ORDER BY v.name, m.vendor_id`, payerID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("payers: mutes: %w", err)
	}
	return out, nil
}

// UnmuteVendor lets reminders about a vendor's invoices come again. A
// vendor the payer never muted (or that does not bill it) is ErrNotFound.
func (s *Store) UnmuteVendor(ctx context.Context, payerID, vendorID int64) error {
	now := s.now().UTC().Truncate(time.Microsecond)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`DELETE FROM payer_mutes WHERE payer_id = ? AND vendor_id = ?`, payerID, vendorID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return tellVendorsOfReminders(tx, payerID, vendorID, ActivityUnmuted, "", nil, now)
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("payers: unmute: %w", err)
	}
	return err
}

// Resume ends a pause of every reminder; resuming when nothing is paused
// changes nothing.
func (s *Store) Resume(ctx context.Context, payerID int64) error {
	now := s.now().UTC().Truncate(time.Microsecond)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var p Payer
		if err := tx.Select("id", "paused_until").Where("id = ?", payerID).Take(&p).Error; err != nil || p.PausedUntil == nil {
			return err
		}
		err := tx.Model(&Payer{}).Where("id = ?", payerID).Updates(map[string]any{"paused_until": nil, "updated_at": now}).Error
		if err != nil || !p.PausedUntil.After(now) {
			return err // only a pause still running is news to the vendors
		}
		return tellVendorsOfReminders(tx, payerID, 0, ActivityResumed, "", nil, now)
	})
	if err != nil {
		return fmt.Errorf("payers: resume: %w", err)
	}
	return nil
}
