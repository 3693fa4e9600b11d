package vendors

import (
	"context"
	"fmt"
	"time"
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
// 0 means the default of one business day (ReplyDeadline).
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

// ReplyDeadline is when a thread whose customer started waiting at opened
// is past the vendor's reply target: targetHours later, or, with 0 (the
// default), one business day later in the vendor's time zone loc — the
// same local time on the next day that is not a Saturday or a Sunday
// there. A question asked on a Friday afternoon in Auckland is due on
// Monday afternoon in Auckland, whatever day it is in UTC.
func ReplyDeadline(opened time.Time, targetHours int, loc *time.Location) time.Time {
	if targetHours > 0 {
		return opened.Add(time.Duration(targetHours) * time.Hour)
	}
	if loc == nil {
		loc = time.UTC
	}
	d := opened.In(loc).AddDate(0, 0, 1)
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDate(0, 0, 1)
	}
	return d
}
