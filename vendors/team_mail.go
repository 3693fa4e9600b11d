package vendors

import (
	"context"
	"fmt"

	"gorm.io/gorm/clause"
)

// What each vendor's team was emailed, kept in vendor_team_mail: the last
// question.created or dispute.created event it was told about (a cursor
// into its events), and the vendor-local day of its last daily summary.
// Each is claimed with a conditional UPDATE before the email goes out, so
// two hub processes never send the same one; a failed send gives its claim
// back, so the next pass tries again.

// Event types the team is emailed about as they happen.
const (
	EventQuestionCreated = "question.created"
	EventDisputeCreated  = "dispute.created"
)

// TeamEvent is a new thread's event the vendor's team has not been emailed
// about; Cursor is where the vendor's cursor (a feed position, Event.Pos)
// stood when it was read.
type TeamEvent struct {
	Event
	Cursor int64 `gorm:"column:team_cursor"`
}

// PendingTeamEvents returns up to limit events of new questions and
// disputes not yet announced to their vendor's team, in feed order. It
// reads by feed position like every feed reader (see Store.sequence), so a
// thread whose transaction commits late is still announced.
func (s *Store) PendingTeamEvents(ctx context.Context, limit int) ([]TeamEvent, error) {
	if err := s.sequenceAll(ctx); err != nil {
		return nil, err
	}
	var rows []TeamEvent
	err := s.db.WithContext(ctx).Raw(`
SELECT e.id, e.public_id, e.vendor_id, e.type, e.payload, e.feed_pos, e.created_at, COALESCE(m.event_cursor, 0) AS team_cursor
FROM events e LEFT JOIN vendor_team_mail m ON m.vendor_id = e.vendor_id
WHERE e.type IN (?, ?) AND e.feed_pos > COALESCE(m.event_cursor, 0)
ORDER BY e.feed_pos
LIMIT ?`, EventQuestionCreated, EventDisputeCreated, limit).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("vendors: pending team events: %w", err)
	}
	return rows, nil
}

// ensureTeamMail makes the vendor's row exist (a vendor created after the
// migration has none until its first team email).
func (s *Store) ensureTeamMail(ctx context.Context, vendorID int64) error {
	row := map[string]any{"vendor_id": vendorID, "event_cursor": 0, "summary_on": "", "updated_at": s.clock()}
	return s.db.WithContext(ctx).Table("vendor_team_mail").Clauses(clause.OnConflict{DoNothing: true}).Create(row).Error
}

// ClaimTeamEvent moves the vendor's cursor from `from` to eventID (both
// feed positions, Event.Pos). False means another process moved it first:
// that process sends the email.
func (s *Store) ClaimTeamEvent(ctx context.Context, vendorID, from, eventID int64) (bool, error) {
	if err := s.ensureTeamMail(ctx, vendorID); err != nil {
		return false, fmt.Errorf("vendors: claim team event: %w", err)
	}
	res := s.db.WithContext(ctx).Exec(`UPDATE vendor_team_mail SET event_cursor = ?, updated_at = ?
WHERE vendor_id = ? AND event_cursor = ?`, eventID, s.clock(), vendorID, from)
	if res.Error != nil {
		return false, fmt.Errorf("vendors: claim team event: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ReleaseTeamEvent moves the cursor back from eventID to `to` after the
// email could not be sent.
func (s *Store) ReleaseTeamEvent(ctx context.Context, vendorID, eventID, to int64) error {
	err := s.db.WithContext(ctx).Exec(`UPDATE vendor_team_mail SET event_cursor = ?, updated_at = ?
WHERE vendor_id = ? AND event_cursor = ?`, to, s.clock(), vendorID, eventID).Error
	if err != nil {
		return fmt.Errorf("vendors: release team event: %w", err)
	}
	return nil
}

// SummaryVendors returns every vendor with the day of its last summary
// ("" when it never had one).
func (s *Store) SummaryVendors(ctx context.Context) ([]SummaryVendorRow, error) {
	var rows []SummaryVendorRow
	err := s.db.WithContext(ctx).Raw(`
SELECT v.id, v.name, v.timezone, COALESCE(m.summary_on, '') AS summary_on
FROM vendors v LEFT JOIN vendor_team_mail m ON m.vendor_id = v.id
ORDER BY v.id`).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("vendors: summary vendors: %w", err)
	}
	return rows, nil
}

// SummaryVendorRow is a vendor and the local day (YYYY-MM-DD) of its last
// daily summary, "" when it never had one.
type SummaryVendorRow struct {
	ID        int64
	Name      string
	Timezone  string
	SummaryOn string
}

// ClaimSummary records day (YYYY-MM-DD, vendor-local) as the vendor's
// summary day unless it already had that day's or a later one. False means
// it had: nothing is to be sent.
func (s *Store) ClaimSummary(ctx context.Context, vendorID int64, day string) (bool, error) {
	if err := s.ensureTeamMail(ctx, vendorID); err != nil {
		return false, fmt.Errorf("vendors: claim summary: %w", err)
	}
	res := s.db.WithContext(ctx).Exec(`UPDATE vendor_team_mail SET summary_on = ?, updated_at = ?
WHERE vendor_id = ? AND summary_on < ?`, day, s.clock(), vendorID, day)
	if res.Error != nil {
		return false, fmt.Errorf("vendors: claim summary: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ReleaseSummary gives back a claimed summary day after the email could
// not be sent, so that the next pass sends it.
func (s *Store) ReleaseSummary(ctx context.Context, vendorID int64, day, previous string) error {
	err := s.db.WithContext(ctx).Exec(`UPDATE vendor_team_mail SET summary_on = ?, updated_at = ?
WHERE vendor_id = ? AND summary_on = ?`, previous, s.clock(), vendorID, day).Error
	if err != nil {
		return fmt.Errorf("vendors: release summary: %w", err)
	}
	return nil
}
