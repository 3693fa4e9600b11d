package threads

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// How the vendor's team shares its threads and how fast it answers them.

// ResponseTimes are the medians of how long the vendor's team took to
// answer and to resolve threads: over threads first answered (resolved)
// since a time. A zero count means there is no median.
type ResponseTimes struct {
	FirstReply  time.Duration
	FirstReplyN int
	Resolution  time.Duration
	ResolutionN int
	Since       time.Time
}

// InboxResponseTimes computes the vendor's median time from a thread's
// opening to its first vendor reply, and to its resolution, over the
// threads answered (resolved) since since.
func (s *Store) InboxResponseTimes(ctx context.Context, vendorID int64, since time.Time) (ResponseTimes, error) {
	rt := ResponseTimes{Since: since}
	var rows []struct {
		CreatedAt       time.Time
		FirstResponseAt *time.Time
		ResolvedAt      *time.Time
	}
	err := s.db.WithContext(ctx).Raw(`
SELECT created_at, first_response_at, resolved_at FROM threads
WHERE vendor_id = ? AND (first_response_at >= ? OR resolved_at >= ?)`, vendorID, since.UTC(), since.UTC()).Scan(&rows).Error
	if err != nil {
		return rt, fmt.Errorf("threads: response times: %w", err)
	}
	var first, resolved []time.Duration
	for _, r := range rows {
		if r.FirstResponseAt != nil && !r.FirstResponseAt.Before(since) {
			first = append(first, r.FirstResponseAt.Sub(r.CreatedAt))
		}
		if r.ResolvedAt != nil && !r.ResolvedAt.Before(since) {
			resolved = append(resolved, r.ResolvedAt.Sub(r.CreatedAt))
		}
	}
	rt.FirstReply, rt.FirstReplyN = median(first), len(first)
	rt.Resolution, rt.ResolutionN = median(resolved), len(resolved)
	return rt, nil
}

// median of ds; the mean of the middle two for an even count.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	mid := len(ds) / 2
	if len(ds)%2 == 1 {
		return ds[mid]
	}
	return ds[mid-1] + (ds[mid]-ds[mid-1])/2
}

// AssignThread gives one of the vendor's threads to one of its active
// members; memberID 0 unassigns it. A thread or member of another vendor
// is vendors.ErrNotFound.
func (s *Store) AssignThread(ctx context.Context, vendorID, threadID, memberID int64) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var assignee any
		if memberID != 0 {
			var n int64
			err := tx.Table("vendor_members").Where("id = ? AND vendor_id = ? AND disabled_at IS NULL", memberID, vendorID).Count(&n).Error
			if err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("threads: member %d: %w", memberID, vendors.ErrNotFound)
			}
			assignee = memberID
		}
		now := s.now().UTC().Truncate(time.Microsecond)
		var before []struct{ AssigneeID *int64 }
		if err := tx.Table("threads").Select("assignee_id").Where("id = ? AND vendor_id = ?", threadID, vendorID).Scan(&before).Error; err != nil {
			return err
		}
		if len(before) == 0 {
			return threadNotFound(threadID)
		}
		res := tx.Table("threads").Where("id = ? AND vendor_id = ?", threadID, vendorID).
			Updates(map[string]any{"assignee_id": assignee, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return threadNotFound(threadID)
		}
		// The new assignee is emailed (by the team mail job), unless they
		// took the thread themselves or already had it.
		by := payers.ActorOf(ctx)
		if memberID != 0 && memberID != by && (before[0].AssigneeID == nil || *before[0].AssigneeID != memberID) {
			var byID any
			if by != 0 {
				byID = by
			}
			err := tx.Exec(`INSERT INTO thread_assign_notices (vendor_id, thread_id, member_id, by_member_id, created_at) VALUES (?, ?, ?, ?, ?)`,
				vendorID, threadID, memberID, byID, now).Error
			if err != nil {
				return fmt.Errorf("assign notice: %w", err)
			}
		}
		return payers.RecordAction(ctx, tx, vendorID, payers.ActionAssign, threadID, 0, now)
	})
	if err != nil {
		return vendors.WrapAction("threads: vendor assign thread", err)
	}
	return nil
}

// ThreadAssignees returns the member each of the vendor's threads is
// assigned to, for the threads given; unassigned threads are absent.
func (s *Store) ThreadAssignees(ctx context.Context, vendorID int64, threadIDs []int64) (map[int64]int64, error) {
	out := make(map[int64]int64, len(threadIDs))
	if len(threadIDs) == 0 {
		return out, nil
	}
	var rows []struct{ ID, AssigneeID int64 }
	err := s.db.WithContext(ctx).Raw(`SELECT id, assignee_id FROM threads WHERE vendor_id = ? AND id IN ? AND assignee_id IS NOT NULL`,
		vendorID, threadIDs).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("threads: thread assignees: %w", err)
	}
	for _, r := range rows {
		out[r.ID] = r.AssigneeID
	}
	return out, nil
}

// AssignNotice is an email owed to a member a thread was assigned to.
type AssignNotice struct {
	ID         int64
	VendorID   int64
	ThreadID   int64
	MemberID   int64
	ByMemberID *int64
}

// PendingAssignNotices returns up to limit assignment emails not sent yet,
// oldest first, of every vendor.
func (s *Store) PendingAssignNotices(ctx context.Context, limit int) ([]AssignNotice, error) {
	var out []AssignNotice
	err := s.db.WithContext(ctx).Raw(`SELECT id, vendor_id, thread_id, member_id, by_member_id FROM thread_assign_notices
WHERE sent_at IS NULL ORDER BY id LIMIT ?`, limit).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("threads: pending assign notices: %w", err)
	}
	return out, nil
}

// ClaimAssignNotice marks the notice sent before its email goes out; false
// means another process claimed it and sends it.
func (s *Store) ClaimAssignNotice(ctx context.Context, id int64) (bool, error) {
	res := s.db.WithContext(ctx).Exec(`UPDATE thread_assign_notices SET sent_at = ? WHERE id = ? AND sent_at IS NULL`, s.now().UTC(), id)
	if res.Error != nil {
		return false, fmt.Errorf("threads: claim assign notice: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ReleaseAssignNotice gives a claim back after its email failed, so that the
// next pass tries again.
func (s *Store) ReleaseAssignNotice(ctx context.Context, id int64) error {
	if err := s.db.WithContext(ctx).Exec(`UPDATE thread_assign_notices SET sent_at = NULL WHERE id = ?`, id).Error; err != nil {
		return fmt.Errorf("threads: release assign notice: %w", err)
	}
	return nil
}
