package vendors

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/duehub/duehub/database"
)

// saveCustomers merges the customers named in one push into the vendor's
// stored ones (see CustomerInput) and upserts those that changed. It returns
// their IDs, which of them changed, and the field errors of customers whose
// merged record is invalid (those are not written; the items naming them
// fail). When one push names a customer twice, the mentions merge in order.
func (s *Store) saveCustomers(ctx context.Context, tx *gorm.DB, vendorID int64, in []CustomerInput) (ids map[string]int64, changed map[string]bool, invalid map[string][]FieldError, err error) {
	byKey := make(map[string][]CustomerInput, len(in))
	keys := make([]string, 0, len(in))
	for _, c := range in {
		if _, dup := byKey[c.ExternalID]; !dup {
			keys = append(keys, c.ExternalID)
		}
		byKey[c.ExternalID] = append(byKey[c.ExternalID], c)
	}
	slices.Sort(keys) // lock order: see push

	load := func(lock bool) ([]Customer, error) {
		var olds []Customer
		q := tx.Where("vendor_id = ? AND external_id IN ?", vendorID, keys).Order("external_id")
		if lock {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		if err := q.Find(&olds).Error; err != nil {
			return nil, fmt.Errorf("vendors: load customers: %w", err)
		}
		return olds, nil
	}
	now := s.clock()
	olds, err := load(false)
	if err != nil {
		return nil, nil, nil, err
	}
	ids, invalid, writes := mergeCustomers(vendorID, keys, byKey, olds, now)
	if len(writes) > 0 && len(olds) > 0 && tx.Dialector.Name() == "postgres" {
		// Something changes: lock the stored rows and merge again on what they
		// hold now, so that two pushes naming different fields of one customer
		// both keep their field. A push that changes no customer (the usual
		// case) takes no lock, so pushes of one customer never queue behind
		// each other's commits; nor does one whose customers are all new
		// (a vendor's first push): there is nothing stored to lock.
		if olds, err = load(true); err != nil {
			return nil, nil, nil, err
		}
		ids, invalid, writes = mergeCustomers(vendorID, keys, byKey, olds, now)
	}
	changed = make(map[string]bool)
	if len(writes) == 0 {
		return ids, changed, invalid, nil
	}
	contacts := make([]PayerContact, len(writes))
	for i, c := range writes {
		contacts[i] = PayerContact{Email: c.Email, Phone: c.Phone}
	}
	payerIDs, err := s.linkPayers(ctx, tx, vendorID, contacts)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("vendors: link payers: %w", err)
	}
	writeKeys := make([]string, len(writes))
	for i := range writes {
		writes[i].PayerID = payerIDs[i]
		writeKeys[i] = writes[i].ExternalID
		changed[writes[i].ExternalID] = true
	}
	err = tx.Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "vendor_id"}, {Name: "external_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"name", "email", "phone", "sms_consent",
			"sms_consent_source", "payer_id", "updated_at"}),
	}).CreateInBatches(&writes, database.RowsPerStatementOf(tx, &Customer{})).Error
	if err != nil {
		return nil, nil, nil, fmt.Errorf("vendors: upsert customers: %w", err)
	}
	var saved []struct {
		ID         int64
		ExternalID string
	}
	err = tx.Model(&Customer{}).Select("id", "external_id").
		Where("vendor_id = ? AND external_id IN ?", vendorID, writeKeys).Find(&saved).Error
	if err != nil {
		return nil, nil, nil, fmt.Errorf("vendors: customer ids: %w", err)
	}
	for _, r := range saved {
		ids[r.ExternalID] = r.ID
	}
	return ids, changed, invalid, nil
}

// mergeCustomers merges the mentions of each customer key, in order, into its
// stored row. It returns the ids of customers that stay as stored, the field
// errors of those whose merged record is invalid, and the rows to write.
func mergeCustomers(vendorID int64, keys []string, byKey map[string][]CustomerInput, olds []Customer, now time.Time) (ids map[string]int64, invalid map[string][]FieldError, writes []Customer) {
	ids = make(map[string]int64, len(keys))
	invalid = make(map[string][]FieldError)
	existing := make(map[string]Customer, len(olds))
	for _, o := range olds {
		existing[o.ExternalID] = o
	}
	for _, k := range keys {
		c := existing[k]
		var fe []FieldError
		for _, mention := range byKey[k] {
			if c, fe = mention.merge(c, "customer."); len(fe) > 0 {
				break
			}
		}
		if len(fe) > 0 {
			invalid[k] = fe
			continue
		}
		if o, found := existing[k]; found && c.sameAs(o) {
			ids[k] = o.ID
			continue
		}
		c.ID, c.VendorID, c.CreatedAt, c.UpdatedAt = 0, vendorID, now, now
		writes = append(writes, c)
	}
	return ids, invalid, writes
}
