package vendors

import (
	"context"
	"fmt"
)

// MaxResponseTargetHours is the longest response-time target a vendor may
// set: two weeks.
const MaxResponseTargetHours = 14 * 24

// SetResponseTarget sets the hours within which the vendor's team means to
// answer a new thread; 0 restores the default of one business day.
// Analytics count the threads answered later (issue 12).
func (s *Store) SetResponseTarget(ctx context.Context, vendorID int64, hours int) error {
	if hours < 0 || hours > MaxResponseTargetHours {
		return Invalid("hours", fmt.Sprintf("must be from 0 (one business day) to %d", MaxResponseTargetHours))
	}
	res := s.db.WithContext(ctx).Exec(`UPDATE vendors SET response_target_hours = ? WHERE id = ?`, hours, vendorID)
	if res.Error != nil {
		return fmt.Errorf("vendors: set response target: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// ResponseTargetHours returns the vendor's response-time target in hours;
// 0 means the default of one business day (analytics.Deadline).
func (s *Store) ResponseTargetHours(ctx context.Context, vendorID int64) (int, error) {
	var row struct{ ResponseTargetHours *int }
	err := s.db.WithContext(ctx).Raw(`SELECT response_target_hours FROM vendors WHERE id = ?`, vendorID).Scan(&row).Error
	if err != nil {
		return 0, fmt.Errorf("vendors: response target: %w", err)
	}
	if row.ResponseTargetHours == nil {
		return 0, ErrNotFound
	}
	return *row.ResponseTargetHours, nil
}
