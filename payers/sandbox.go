package payers

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/vendors"
)

// SandboxKeyPrefix starts the key of every test-mode payer (issue 15).
const SandboxKeyPrefix = "sandbox:"

// LinkSandboxPayers gives each contact of a vendor's test-mode sandbox a
// payer of that sandbox alone, keyed "sandbox:<vendor id>:<contact key>",
// and records no contact on it: nothing that finds payers by address (sign
// in, fresh links, inbound replies, suppressions) nor any digest can reach
// it, and a real payer never sees a test invoice. It implements
// vendors.SandboxLinker.
func (s *Store) LinkSandboxPayers(ctx context.Context, tx *gorm.DB, sandboxID int64, contacts []vendors.PayerContact) ([]int64, error) {
	now := s.now().UTC().Truncate(time.Microsecond)
	tx = tx.WithContext(ctx)
	prefix := SandboxKeyPrefix + strconv.FormatInt(sandboxID, 10) + ":"
	keys := make([]string, 0, len(contacts))
	fresh := make([]Payer, 0, len(contacts))
	seen := make(map[string]bool, len(contacts))
	for _, c := range contacts {
		k := prefix + KeyOf(c)
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
			// Email and SMS off: even a bug that reached them finds nothing to send.
			fresh = append(fresh, Payer{Key: k, Cadence: "rhythm", Weekday: 1, SendHour: 9, MinIntervalHours: 72,
				CreatedAt: now, UpdatedAt: now})
		}
	}
	slices.SortFunc(fresh, func(a, b Payer) int { return strings.Compare(a.Key, b.Key) })
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).
		CreateInBatches(&fresh, database.RowsPerStatementOf(tx, &Payer{})).Error; err != nil {
		return nil, fmt.Errorf("payers: create sandbox payers: %w", err)
	}
	var rows []Payer
	if err := tx.Select("id", "key").Where("key IN ?", keys).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("payers: load sandbox payers: %w", err)
	}
	byKey := make(map[string]int64, len(rows))
	for _, p := range rows {
		byKey[p.Key] = p.ID
	}
	ids := make([]int64, len(contacts))
	for i, c := range contacts {
		ids[i] = byKey[prefix+KeyOf(c)]
	}
	return ids, nil
}
