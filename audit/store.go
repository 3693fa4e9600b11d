package audit

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// Store reads the log.
type Store struct{ db *gorm.DB }

// NewStore returns a reader of the log.
func NewStore(db *gorm.DB) *Store { return &Store{db: db} }

// PageSize is how many rows a page of the log shows.
const PageSize = 100

// ForVendor returns the vendor's own rows, newest first, those with an id
// below before when before > 0. Another vendor's rows and hub-wide rows
// are never among them.
func (s *Store) ForVendor(ctx context.Context, vendorID, before int64, limit int) ([]Entry, error) {
	q := s.db.WithContext(ctx).Where("vendor_id = ?", vendorID)
	return page(q, before, limit)
}

// All returns every row, newest first: the operator's view. action, when
// set, keeps only that action.
func (s *Store) All(ctx context.Context, action string, before int64, limit int) ([]Entry, error) {
	q := s.db.WithContext(ctx).Model(&Entry{})
	if action != "" {
		q = q.Where("action = ?", action)
	}
	return page(q, before, limit)
}

func page(q *gorm.DB, before int64, limit int) ([]Entry, error) {
	if limit <= 0 || limit > PageSize {
		limit = PageSize
	}
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	var out []Entry
	if err := q.Order("id DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	return out, nil
}
