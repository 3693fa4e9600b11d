package threads

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Internal notes: what a vendor's team writes on a thread for itself. The
// payer never sees them (no portal query reads thread_notes).

// ThreadNote is one internal note.
type ThreadNote struct {
	ID        int64
	VendorID  int64
	ThreadID  int64
	MemberID  int64
	Body      string
	CreatedAt time.Time
}

// AddThreadNote stores a member's note on one of the vendor's threads.
func (s *Store) AddThreadNote(ctx context.Context, vendorID, threadID, memberID int64, body string) (ThreadNote, error) {
	body = strings.TrimSpace(body)
	if ve := checkVendorText("note", body, true); ve != nil {
		return ThreadNote{}, ve
	}
	if _, err := loadThreadRef(s.db.WithContext(ctx), vendorID, threadID); err != nil {
		return ThreadNote{}, err
	}
	n := ThreadNote{VendorID: vendorID, ThreadID: threadID, MemberID: memberID, Body: body, CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
	if err := s.db.WithContext(ctx).Create(&n).Error; err != nil {
		return ThreadNote{}, fmt.Errorf("threads: add note: %w", err)
	}
	return n, nil
}

// ThreadNotes returns the notes on one of the vendor's threads, oldest first.
func (s *Store) ThreadNotes(ctx context.Context, vendorID, threadID int64) ([]ThreadNote, error) {
	var out []ThreadNote
	err := s.db.WithContext(ctx).Where("vendor_id = ? AND thread_id = ?", vendorID, threadID).Order("id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("threads: notes: %w", err)
	}
	return out, nil
}
