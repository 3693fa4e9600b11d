package vendors

import (
	"context"
	"fmt"
	"slices"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// saveCustomers upserts the vendor's customers named in one push and returns
// their IDs and which of them changed. When one push names a customer twice
// with different details, the last one wins.
func (s *Store) saveCustomers(ctx context.Context, tx *gorm.DB, vendorID int64, in []Customer) (ids map[string]int64, changed map[string]bool, err error) {
	latest := make(map[string]Customer, len(in))
	keys := make([]string, 0, len(in))
	for _, c := range in {
		if _, dup := latest[c.ExternalID]; !dup {
			keys = append(keys, c.ExternalID)
		}
		latest[c.ExternalID] = c
	}
	slices.Sort(keys) // lock order: see push

	var olds []Customer
	if err := tx.Where("vendor_id = ? AND external_id IN ?", vendorID, keys).Find(&olds).Error; err != nil {
		return nil, nil, fmt.Errorf("vendors: load customers: %w", err)
	}
	ids = make(map[string]int64, len(keys))
	changed = make(map[string]bool)
	existing := make(map[string]Customer, len(olds))
	for _, o := range olds {
		existing[o.ExternalID] = o
	}
	now := s.clock()
	var writes []Customer
	for _, k := range keys {
		c := latest[k]
		if o, found := existing[k]; found && c.sameAs(o) {
			ids[k] = o.ID
			continue
		}
		c.VendorID, c.CreatedAt, c.UpdatedAt = vendorID, now, now
		writes = append(writes, c)
	}
	if len(writes) == 0 {
		return ids, changed, nil
	}
	contacts := make([]PayerContact, len(writes))
	for i, c := range writes {
		contacts[i] = PayerContact{Email: c.Email, Phone: c.Phone}
	}
	payerIDs, err := s.payers.LinkPayers(ctx, tx, contacts)
	if err != nil {
		return nil, nil, fmt.Errorf("vendors: link payers: %w", err)
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
	}).CreateInBatches(&writes, 500).Error
	if err != nil {
		return nil, nil, fmt.Errorf("vendors: upsert customers: %w", err)
	}
	var saved []struct {
		ID         int64
		ExternalID string
	}
	err = tx.Model(&Customer{}).Select("id", "external_id").
		Where("vendor_id = ? AND external_id IN ?", vendorID, writeKeys).Find(&saved).Error
	if err != nil {
		return nil, nil, fmt.Errorf("vendors: customer ids: %w", err)
	}
	for _, r := range saved {
		ids[r.ExternalID] = r.ID
	}
	return ids, changed, nil
}
