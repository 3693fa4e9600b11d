package vendors

import (
	"context"
	"fmt"
)

// The weekly summary email to each vendor admin (issue 12), kept in
// weekly_summaries: one row per vendor, week and admin, inserted before
// the email goes out. Its unique key is the claim, so two hub processes
// never send the same summary; a failed send deletes the row so that the
// next pass sends it. A process that dies between the claim and the send
// leaves the row: that admin misses that week's summary rather than ever
// getting it twice.

// WeeklySummaryAdmins returns the vendor's active admins who have not
// turned the weekly summary off.
func (s *Store) WeeklySummaryAdmins(ctx context.Context, vendorID int64) ([]Member, error) {
	var ms []Member
	err := s.db.WithContext(ctx).Where("vendor_id = ? AND role = ? AND disabled_at IS NULL AND weekly_summary", vendorID, RoleAdmin).
		Order("id").Find(&ms).Error
	if err != nil {
		return nil, fmt.Errorf("vendors: weekly summary admins: %w", err)
	}
	return ms, nil
}

// ClaimWeeklySummary records that the member's summary of week (the
// vendor-local Monday, YYYY-MM-DD) is being sent. False means it was
// claimed before, by this process or another: nothing is to be sent.
func (s *Store) ClaimWeeklySummary(ctx context.Context, vendorID, memberID int64, week string) (bool, error) {
	res := s.db.WithContext(ctx).Exec(`INSERT INTO weekly_summaries (vendor_id, member_id, week_of, created_at)
VALUES (?, ?, ?, ?) ON CONFLICT (vendor_id, week_of, member_id) DO NOTHING`, vendorID, memberID, week, s.clock())
	if res.Error != nil {
		return false, fmt.Errorf("vendors: claim weekly summary: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// SentWeeklySummary marks a claimed summary as sent.
func (s *Store) SentWeeklySummary(ctx context.Context, vendorID, memberID int64, week string) error {
	err := s.db.WithContext(ctx).Exec(`UPDATE weekly_summaries SET sent_at = ? WHERE vendor_id = ? AND member_id = ? AND week_of = ?`,
		s.clock(), vendorID, memberID, week).Error
	if err != nil {
		return fmt.Errorf("vendors: weekly summary sent: %w", err)
	}
	return nil
}

// ReleaseWeeklySummary gives back a claim whose email could not be sent.
func (s *Store) ReleaseWeeklySummary(ctx context.Context, vendorID, memberID int64, week string) error {
	err := s.db.WithContext(ctx).Exec(`DELETE FROM weekly_summaries WHERE vendor_id = ? AND member_id = ? AND week_of = ? AND sent_at IS NULL`,
		vendorID, memberID, week).Error
	if err != nil {
		return fmt.Errorf("vendors: release weekly summary: %w", err)
	}
	return nil
}

// WeeklySummaryOn reports whether the member gets the weekly summary (an
// admin who did not turn it off).
func (s *Store) WeeklySummaryOn(ctx context.Context, vendorID, memberID int64) (bool, error) {
	var row struct{ WeeklySummary *bool }
	err := s.db.WithContext(ctx).Raw(`SELECT weekly_summary FROM vendor_members WHERE id = ? AND vendor_id = ?`, memberID, vendorID).
		Scan(&row).Error
	if err != nil {
		return false, fmt.Errorf("vendors: weekly summary: %w", err)
	}
	if row.WeeklySummary == nil {
		return false, ErrNotFound
	}
	return *row.WeeklySummary, nil
}

// SetWeeklySummary turns the member's weekly summary on or off.
func (s *Store) SetWeeklySummary(ctx context.Context, vendorID, memberID int64, on bool) error {
	res := s.db.WithContext(ctx).Exec(`UPDATE vendor_members SET weekly_summary = ? WHERE id = ? AND vendor_id = ?`, on, memberID, vendorID)
	if res.Error != nil {
		return fmt.Errorf("vendors: set weekly summary: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}
