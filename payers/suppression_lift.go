package payers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/duehub/duehub/audit"
	"github.com/duehub/duehub/vendors"
)

// The operator's view of suppressions (issue 15): list them, and lift one
// with a reason, which the audit log keeps.

// Suppressions returns the newest suppressions, those whose address
// contains q when q is set, at most limit.
func (s *Store) Suppressions(ctx context.Context, q string, limit int) ([]Suppression, error) {
	db := s.db.WithContext(ctx).Order("id DESC").Limit(limit)
	if q = strings.ToLower(strings.TrimSpace(q)); q != "" {
		db = db.Where("address LIKE ?", "%"+q+"%")
	}
	var out []Suppression
	if err := db.Find(&out).Error; err != nil {
		return nil, fmt.Errorf("payers: suppressions: %w", err)
	}
	return out, nil
}

// LiftSuppression removes suppression id, so that messages may go to its
// address again, and records who lifted it and why (the address masked).
// An unknown id is vendors.ErrNotFound; an empty reason a validation error.
func (s *Store) LiftSuppression(ctx context.Context, id int64, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 500 {
		return vendors.Invalid("reason", "is required, at most 500 characters: say why messages may go to this address again")
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var sup Suppression
		if err := tx.Where("id = ?", id).Take(&sup).Error; err != nil {
			return err
		}
		if err := tx.Where("id = ?", id).Delete(&Suppression{}).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{CreatedAt: s.now(), Action: audit.SuppressionLifted, TargetType: "suppression",
			TargetID: strconv.FormatInt(id, 10), Target: sup.Channel + " " + audit.Mask(sup.Address),
			Detail: "was " + sup.Reason + "; " + reason})
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return vendors.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("payers: lift suppression: %w", err)
	}
	return nil
}
