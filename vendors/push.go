package vendors

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Per-item outcomes of a push.
const (
	ResultCreated   = "created"
	ResultUpdated   = "updated"
	ResultUnchanged = "unchanged"
	ResultError     = "error"
)

// PushResult is what happened to one pushed item.
type PushResult struct {
	ExternalID string
	Result     string
	Errors     []FieldError
}

// pushable is a vendor row pushed by external_id: an invoice or a credit note.
type pushable[T any] interface {
	*T
	key() string
	place(vendorID, customerID int64)
	sameAs(old T) bool
	settle(old T)
	stamp(created, updated time.Time)
}

type pending[T any] struct {
	idx  int
	row  T
	cust CustomerInput
}

// collect validates items, keeping the valid ones and recording errors in
// results. A second item with the same external_id in one push is an error.
func collect[T any, P pushable[T]](results []PushResult, validated func(i int) (T, CustomerInput, []FieldError)) []pending[T] {
	seen := make(map[string]bool, len(results))
	ok := make([]pending[T], 0, len(results))
	for i := range results {
		row, cust, fe := validated(i)
		key := P(&row).key()
		results[i].ExternalID = key
		if key != "" && seen[key] {
			fe = append(fe, FieldError{"external_id", "appears more than once in this batch"})
		}
		if len(fe) > 0 {
			results[i].Result, results[i].Errors = ResultError, fe
			continue
		}
		seen[key] = true
		ok = append(ok, pending[T]{i, row, cust})
	}
	return ok
}

// push stores the valid items of one batch in one transaction with a fixed
// number of set-based statements: customers, then the rows that changed.
// Items that change nothing write nothing.
func push[T any, P pushable[T]](ctx context.Context, s *Store, vendorID int64, items []pending[T], results []PushResult, write func(tx *gorm.DB, rows []T) error) error {
	if len(items) == 0 {
		return nil
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		items, custIDs, custChanged, err := pushCustomers(ctx, s, tx, vendorID, items, results)
		if err != nil || len(items) == 0 {
			return err
		}
		keys := make([]string, len(items))
		for i, p := range items {
			keys[i] = P(&p.row).key()
		}
		var olds []T
		if err := tx.Where("vendor_id = ? AND external_id IN ?", vendorID, keys).Find(&olds).Error; err != nil {
			return fmt.Errorf("vendors: load existing: %w", err)
		}
		existing := make(map[string]*T, len(olds))
		for i := range olds {
			existing[P(&olds[i]).key()] = &olds[i]
		}
		now := s.clock()
		writes := make([]T, 0, len(items))
		for _, p := range items {
			row := p.row
			P(&row).place(vendorID, custIDs[p.cust.ExternalID])
			old, found := existing[P(&row).key()]
			if found {
				P(&row).settle(*old)
			}
			switch {
			case !found:
				P(&row).stamp(now, now)
				results[p.idx].Result = ResultCreated
			case P(&row).sameAs(*old) && !custChanged[p.cust.ExternalID]:
				results[p.idx].Result = ResultUnchanged
				continue
			default:
				// A change of the customer alone moves updated_at too: the
				// customer is part of what GET returns, so updated_after finds it.
				P(&row).stamp(time.Time{}, now)
				results[p.idx].Result = ResultUpdated
			}
			writes = append(writes, row)
		}
		if len(writes) == 0 {
			return nil
		}
		// Rows are always locked in key order, so concurrent pushes of
		// overlapping batches cannot deadlock each other on PostgreSQL.
		slices.SortFunc(writes, func(a, b T) int { return strings.Compare(P(&a).key(), P(&b).key()) })
		if err := write(tx, writes); err != nil {
			return fmt.Errorf("vendors: upsert: %w", err)
		}
		return nil
	})
}

// gormUpsert writes pushed rows through gorm, updating a stored row's
// columns as updates says (and its customer and updated_at).
func gormUpsert[T any](updates clause.Set) func(tx *gorm.DB, rows []T) error {
	return func(tx *gorm.DB, rows []T) error {
		return tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "vendor_id"}, {Name: "external_id"}},
			DoUpdates: append(slices.Clip(updates), clause.AssignmentColumns([]string{"customer_id", "updated_at"})...),
		}).CreateInBatches(&rows, 500).Error
	}
}

// pushCustomers saves the customers the items name and drops the items whose
// customer is invalid, with that customer's errors as their result. It
// returns the remaining items, the customers' ids and which of them changed.
func pushCustomers[T any](ctx context.Context, s *Store, tx *gorm.DB, vendorID int64, items []pending[T], results []PushResult) ([]pending[T], map[string]int64, map[string]bool, error) {
	custs := make([]CustomerInput, len(items))
	for i, p := range items {
		custs[i] = p.cust
	}
	custIDs, custChanged, custInvalid, err := s.saveCustomers(ctx, tx, vendorID, custs)
	if err != nil {
		return nil, nil, nil, err
	}
	items = slices.DeleteFunc(items, func(p pending[T]) bool {
		fe := custInvalid[p.cust.ExternalID]
		if fe != nil {
			results[p.idx].Result, results[p.idx].Errors = ResultError, fe
		}
		return fe != nil
	})
	return items, custIDs, custChanged, nil
}
