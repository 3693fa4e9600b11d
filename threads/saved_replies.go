package threads

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/duehub/duehub/vendors"
)

// Saved replies (canned answers): a vendor team's own texts, inserted into
// a thread's reply form. Every query is scoped by the vendor: another
// vendor's saved reply is vendors.ErrNotFound.

// SavedReply is one canned answer of a vendor's team.
type SavedReply struct {
	ID        int64
	VendorID  int64
	Title     string
	Body      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// MaxSavedReplyTitle is the longest title, in characters.
const MaxSavedReplyTitle = 100

// SavedReplies returns the vendor's saved replies by title.
func (s *Store) SavedReplies(ctx context.Context, vendorID int64) ([]SavedReply, error) {
	var out []SavedReply
	if err := s.db.WithContext(ctx).Where("vendor_id = ?", vendorID).Order("title, id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("threads: saved replies: %w", err)
	}
	return out, nil
}

// SavedReply returns one of the vendor's saved replies.
func (s *Store) SavedReply(ctx context.Context, vendorID, id int64) (SavedReply, error) {
	var out []SavedReply
	if err := s.db.WithContext(ctx).Where("id = ? AND vendor_id = ?", id, vendorID).Limit(1).Find(&out).Error; err != nil {
		return SavedReply{}, fmt.Errorf("threads: saved reply: %w", err)
	}
	if len(out) == 0 {
		return SavedReply{}, fmt.Errorf("threads: saved reply %d: %w", id, vendors.ErrNotFound)
	}
	return out[0], nil
}

// checkSavedReply validates a title and a body, naming each field.
func checkSavedReply(title, body string) error {
	var fe []vendors.FieldError
	switch {
	case title == "":
		fe = append(fe, vendors.FieldError{Field: "title", Message: "is required and must not be blank"})
	case utf8.RuneCountInString(title) > MaxSavedReplyTitle || strings.ContainsAny(title, "\r\n"):
		fe = append(fe, vendors.FieldError{Field: "title", Message: fmt.Sprintf("must be one line of at most %d characters", MaxSavedReplyTitle)})
	}
	if ve := checkVendorText("body", body, true); ve != nil {
		fe = append(fe, ve.Fields...)
	}
	if len(fe) > 0 {
		return &vendors.ValidationError{Fields: fe}
	}
	return nil
}

// SaveReply creates a saved reply (id 0) or changes one of the vendor's. A
// title the vendor already uses for another is an error on "title".
func (s *Store) SaveReply(ctx context.Context, vendorID, id int64, title, body string) (SavedReply, error) {
	title, body = strings.TrimSpace(title), strings.TrimSpace(body)
	if err := checkSavedReply(title, body); err != nil {
		return SavedReply{}, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	r := SavedReply{ID: id, VendorID: vendorID, Title: title, Body: body, CreatedAt: now, UpdatedAt: now}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&SavedReply{}).Where("vendor_id = ? AND title = ? AND id <> ?", vendorID, title, id).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return vendors.Invalid("title", "is the title of another saved reply")
		}
		if id == 0 {
			return tx.Create(&r).Error
		}
		res := tx.Model(&SavedReply{}).Where("id = ? AND vendor_id = ?", id, vendorID).
			Updates(map[string]any{"title": title, "body": body, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("threads: saved reply %d: %w", id, vendors.ErrNotFound)
		}
		return nil
	})
	var ve *vendors.ValidationError
	switch {
	case errors.Is(err, gorm.ErrDuplicatedKey): // the same title saved at the same moment
		return SavedReply{}, vendors.Invalid("title", "is the title of another saved reply")
	case errors.As(err, &ve), errors.Is(err, vendors.ErrNotFound):
		return SavedReply{}, err
	case err != nil:
		return SavedReply{}, fmt.Errorf("threads: save reply: %w", err)
	}
	return r, nil
}

// DeleteSavedReply removes one of the vendor's saved replies.
func (s *Store) DeleteSavedReply(ctx context.Context, vendorID, id int64) error {
	res := s.db.WithContext(ctx).Where("id = ? AND vendor_id = ?", id, vendorID).Delete(&SavedReply{})
	if res.Error != nil {
		return fmt.Errorf("threads: delete saved reply: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("threads: saved reply %d: %w", id, vendors.ErrNotFound)
	}
	return nil
}
