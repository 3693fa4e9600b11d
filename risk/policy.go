package risk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/duehub/duehub/vendors"
)

// EarlyPolicy is a vendor's "mention high-risk invoices earlier" option:
// an open invoice scored at or above Threshold enters its payer's regular
// digest Days days earlier than it otherwise would (never more than the
// digest's 14-day horizon before its due date, and never as an extra
// message: the payer's rhythm still decides when a digest goes).
type EarlyPolicy struct {
	Enabled   bool    `json:"enabled"`
	Threshold float64 `json:"threshold"`
	Days      int     `json:"days"`
}

// DefaultEarly is the option as a vendor first sees it: off, with the
// values it takes when turned on without any.
var DefaultEarly = EarlyPolicy{Threshold: 0.6, Days: 7}

// Validate returns nil or a *vendors.ValidationError naming the field under
// prefix (e.g. "early_mention.threshold").
func (p EarlyPolicy) Validate(prefix string) error {
	var fe []vendors.FieldError
	if !(p.Threshold > 0 && p.Threshold <= 1) {
		fe = append(fe, vendors.FieldError{Field: prefix + "threshold", Message: "must be a probability above 0 and at most 1"})
	}
	if p.Days < 1 || p.Days > 14 {
		fe = append(fe, vendors.FieldError{Field: prefix + "days", Message: "must be between 1 and 14 days"})
	}
	if len(fe) > 0 {
		return &vendors.ValidationError{Fields: fe}
	}
	return nil
}

type policyRow struct {
	VendorID  int64 `gorm:"primaryKey"`
	Threshold float64
	Days      int
	UpdatedAt time.Time
}

func (policyRow) TableName() string { return "risk_policies" }

// Early returns the vendor's option (DefaultEarly when never turned on).
func (s *Store) Early(ctx context.Context, vendorID int64) (EarlyPolicy, error) {
	var row policyRow
	err := s.db.WithContext(ctx).Where("vendor_id = ?", vendorID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return DefaultEarly, nil
	}
	if err != nil {
		return EarlyPolicy{}, fmt.Errorf("risk: read early mention: %w", err)
	}
	return EarlyPolicy{Enabled: true, Threshold: row.Threshold, Days: row.Days}, nil
}

// SetEarly stores a validated option; turned off, the row goes. The
// planner reads it live (bundler's early-mention hook), so the next
// planning pass already follows it.
func (s *Store) SetEarly(ctx context.Context, vendorID int64, p EarlyPolicy) error {
	db := s.db.WithContext(ctx)
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("vendor_id = ?", vendorID).Delete(&policyRow{}).Error; err != nil {
			return err
		}
		if !p.Enabled {
			return nil
		}
		return tx.Create(&policyRow{VendorID: vendorID, Threshold: p.Threshold, Days: p.Days, UpdatedAt: s.now().UTC()}).Error
	})
	if err != nil {
		return fmt.Errorf("risk: save early mention: %w", err)
	}
	return nil
}
