package vendors

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// Test mode (issue 15). A vendor's test-mode data lives under a vendor row
// of its own, its sandbox (status "sandbox", live_vendor_id naming the live
// vendor). A dh_test_ key belongs to the sandbox, so every vendor-scoped
// query (invoices, credits, events, webhooks, threads, analytics) keeps
// test data and live data apart without knowing about test mode. What keeps
// sandbox invoices from payers is on the payer side: a sandbox's customers
// link to sandbox payers (SandboxLinker) that hold no contact, so no digest,
// portal link or address lookup can reach them; and digests carry active
// vendors only (InDigestsSQL).

// SandboxLinker finds or creates, for each contact of a sandbox's customer,
// a payer of that sandbox alone that holds no contact. The payers package
// implements it next to PayerLinker.
type SandboxLinker interface {
	LinkSandboxPayers(ctx context.Context, tx *gorm.DB, sandboxID int64, contacts []PayerContact) ([]int64, error)
}

// SandboxOf returns the live vendor's sandbox, creating it on first use.
func (s *Store) SandboxOf(ctx context.Context, liveID int64) (Vendor, error) {
	live, err := s.GetVendor(ctx, liveID)
	if err != nil {
		return Vendor{}, err
	}
	if live.Sandbox() {
		return live, nil
	}
	find := func() (Vendor, error) {
		var v Vendor
		err := s.db.WithContext(ctx).Where("live_vendor_id = ?", liveID).Take(&v).Error
		return v, err
	}
	v, err := find()
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return Vendor{}, fmt.Errorf("vendors: sandbox: %w", err)
	}
	now := s.clock()
	v = Vendor{Name: live.Name + " (test mode)", Domain: live.Domain, SupportEmail: live.SupportEmail,
		Timezone: live.Timezone, ReminderOffsets: live.ReminderOffsets, ReminderRepeatDays: live.ReminderRepeatDays,
		Status: StatusSandbox, LiveVendorID: &live.ID, CreatedAt: now, UpdatedAt: now}
	err = s.db.WithContext(ctx).Create(&v).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		if v, err = find(); err == nil { // created at the same time by another request
			return v, nil
		}
	}
	if err != nil {
		return Vendor{}, fmt.Errorf("vendors: create sandbox: %w", err)
	}
	s.sandboxes.Store(v.ID, true)
	return v, nil
}

// isSandbox reports whether vendorID is a sandbox; what a row is never
// changes, so the answer is remembered.
func (s *Store) isSandbox(tx *gorm.DB, vendorID int64) (bool, error) {
	if b, ok := s.sandboxes.Load(vendorID); ok {
		return b.(bool), nil
	}
	var n int64
	if err := tx.Model(&Vendor{}).Where("id = ? AND live_vendor_id IS NOT NULL", vendorID).Count(&n).Error; err != nil {
		return false, fmt.Errorf("vendors: is sandbox: %w", err)
	}
	s.sandboxes.Store(vendorID, n > 0)
	return n > 0, nil
}

// linkPayers links pushed contacts to network payers, or to the sandbox's
// own payers when vendorID is a sandbox.
func (s *Store) linkPayers(ctx context.Context, tx *gorm.DB, vendorID int64, contacts []PayerContact) ([]int64, error) {
	sandbox, err := s.isSandbox(tx, vendorID)
	if err != nil || !sandbox {
		if err != nil {
			return nil, err
		}
		return s.payers.LinkPayers(ctx, tx, contacts)
	}
	sl, ok := s.payers.(SandboxLinker)
	if !ok {
		return nil, errors.New("vendors: the payer linker cannot link sandbox customers")
	}
	return sl.LinkSandboxPayers(ctx, tx, vendorID, contacts)
}

// SandboxContact is one test customer's contact and the sandbox payer it
// links to.
type SandboxContact struct {
	PayerID    int64
	Email      string
	Phone      string
	Name       string
	ExternalID string
}

// SandboxContacts returns the test customers of the live vendor's sandbox
// (at most limit), by payer; none when it has no sandbox.
func (s *Store) SandboxContacts(ctx context.Context, liveID int64, limit int) ([]SandboxContact, error) {
	var out []SandboxContact
	err := s.db.WithContext(ctx).Model(&Customer{}).Select("payer_id, email, phone, name, external_id").
		Where("vendor_id IN (SELECT id FROM vendors WHERE live_vendor_id = ?)", liveID).
		Order("payer_id, external_id").Limit(limit).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("vendors: sandbox contacts: %w", err)
	}
	return out, nil
}
