package vendors

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/duehub/duehub/audit"
)

// Key management from the vendor's web inbox (issue 15). The inbox speaks
// for the live vendor; its keys are its own and its sandbox's test keys.

// MaxRollGrace is the longest a rolled key keeps working.
const MaxRollGrace = 7 * 24 * time.Hour

// ownKeys scopes a query to the keys of the live vendor and its sandbox.
func ownKeys(tx *gorm.DB, liveID int64) *gorm.DB {
	return tx.Where("vendor_id IN (SELECT id FROM vendors WHERE id = ? OR live_vendor_id = ?)", liveID, liveID)
}

// VendorKeys returns the live vendor's keys and its test keys, newest first.
func (s *Store) VendorKeys(ctx context.Context, liveID int64) ([]APIKey, error) {
	var keys []APIKey
	if err := ownKeys(s.db.WithContext(ctx), liveID).Order("id DESC").Find(&keys).Error; err != nil {
		return nil, fmt.Errorf("vendors: vendor keys: %w", err)
	}
	return keys, nil
}

func ownKey(tx *gorm.DB, liveID, keyID int64) (APIKey, error) {
	var k APIKey
	err := ownKeys(tx, liveID).Where("id = ?", keyID).Take(&k).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return APIKey{}, ErrNotFound
	}
	return k, err
}

// RevokeVendorKey revokes one of the vendor's keys at once (a key in its
// grace period too). Another vendor's key is ErrNotFound; revoking twice
// keeps the first time.
func (s *Store) RevokeVendorKey(ctx context.Context, liveID, keyID int64) (APIKey, error) {
	var k APIKey
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if k, err = ownKey(tx, liveID, keyID); err != nil || k.RevokedAt != nil {
			return err
		}
		now := s.clock()
		k.RevokedAt = &now
		if err := tx.Model(&APIKey{}).Where("id = ?", k.ID).Update("revoked_at", now).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{CreatedAt: now, Action: audit.KeyRevoked, TargetType: "api_key",
			TargetID: k.Prefix, Target: k.Prefix, VendorID: audit.Vendor(liveID)})
	})
	if err != nil {
		return APIKey{}, WrapAction("vendors: revoke key", err)
	}
	return k, nil
}

// RollVendorKey replaces one of the vendor's keys with a new one of the same
// mode and label, returned in plain text once. The old key keeps working
// for grace (0 to MaxRollGrace; 0 ends it now), so deployments can switch
// over. A revoked or expired key cannot be rolled.
func (s *Store) RollVendorKey(ctx context.Context, liveID, keyID int64, grace time.Duration) (string, APIKey, APIKey, error) {
	if grace < 0 || grace > MaxRollGrace {
		return "", APIKey{}, APIKey{}, Invalid("grace", "must be between 0 and 7 days")
	}
	var plain string
	var old, fresh APIKey
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if old, err = ownKey(tx, liveID, keyID); err != nil {
			return err
		}
		now := s.clock()
		if !old.Live(now) {
			return Invalid("key", "is revoked or expired: create a new key instead")
		}
		if old.ExpiresAt != nil {
			return Invalid("key", "was rolled already: roll its replacement instead")
		}
		ends := now.Add(grace)
		upd := map[string]any{"expires_at": ends}
		if grace == 0 {
			upd["revoked_at"] = now
			old.RevokedAt = &now
		}
		if err := tx.Model(&APIKey{}).Where("id = ?", old.ID).Updates(upd).Error; err != nil {
			return err
		}
		old.ExpiresAt = &ends
		scheme := keyScheme
		if old.Test() {
			scheme = testScheme
		}
		if plain, fresh, err = s.insertKey(tx, old.VendorID, scheme, old.Label); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{CreatedAt: now, Action: audit.KeyRolled, TargetType: "api_key",
			TargetID: old.Prefix, Target: old.Prefix + " -> " + fresh.Prefix, VendorID: audit.Vendor(liveID),
			Detail: "old key works until " + ends.UTC().Format(time.RFC3339)})
	})
	if err != nil {
		return "", APIKey{}, APIKey{}, WrapAction("vendors: roll key", err)
	}
	return plain, fresh, old, nil
}

// KeyMode names a key's mode for people: "live" or "test".
func KeyMode(prefix string) string {
	if strings.HasPrefix(prefix, testScheme) {
		return "test"
	}
	return "live"
}
