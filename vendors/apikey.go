package vendors

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/duehub/duehub/audit"
)

const (
	keyScheme     = "dh_live_"
	keyRandomLen  = 40 // base62 characters, about 238 bits
	keyPrefixLen  = len(keyScheme) + 8
	lastUsedEvery = time.Minute
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// APIKey is a vendor's credential. Only its SHA-256 hash is stored; the
// prefix is not secret and is how keys are looked up, listed and revoked.
type APIKey struct {
	ID         int64
	VendorID   int64
	Prefix     string
	Hash       []byte
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

func newKeySecret() string {
	b := make([]byte, keyRandomLen)
	// Rejection sampling keeps every base62 character equally likely.
	buf := make([]byte, 1)
	for i := 0; i < keyRandomLen; {
		rand.Read(buf)
		if buf[0] < 248 { // 248 = 62*4
			b[i] = base62[buf[0]%62]
			i++
		}
	}
	return keyScheme + string(b)
}

func hashKey(plain string) []byte {
	h := sha256.Sum256([]byte(plain))
	return h[:]
}

// wellFormedKey reports whether s looks like a duehub key, without touching the database.
func wellFormedKey(s string) bool {
	if !strings.HasPrefix(s, keyScheme) || len(s) < len(keyScheme)+32 || len(s) > len(keyScheme)+128 {
		return false
	}
	for _, r := range s[len(keyScheme):] {
		if !strings.ContainsRune(base62, r) {
			return false
		}
	}
	return true
}

// CreateKey makes a new API key for the vendor and returns it in plain text,
// the only time it is ever visible.
func (s *Store) CreateKey(ctx context.Context, vendorID int64) (string, APIKey, error) {
	if _, err := s.GetVendor(ctx, vendorID); err != nil {
		return "", APIKey{}, err
	}
	for attempt := 0; ; attempt++ {
		plain := newKeySecret()
		k := APIKey{VendorID: vendorID, Prefix: plain[:keyPrefixLen], Hash: hashKey(plain), CreatedAt: s.clock()}
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := tx.Create(&k).Error; err != nil {
				return err
			}
			return audit.Record(ctx, tx, audit.Entry{CreatedAt: k.CreatedAt, Action: audit.KeyCreated, TargetType: "api_key",
				TargetID: k.Prefix, Target: k.Prefix, VendorID: audit.Vendor(vendorID)})
		})
		if errors.Is(err, gorm.ErrDuplicatedKey) && attempt < 3 {
			continue // a prefix collision: 47 random bits make this all but impossible
		}
		if err != nil {
			return "", APIKey{}, fmt.Errorf("vendors: create key: %w", err)
		}
		return plain, k, nil
	}
}

// ListKeys returns the vendor's keys, newest first (hashes included; never show them).
func (s *Store) ListKeys(ctx context.Context, vendorID int64) ([]APIKey, error) {
	var keys []APIKey
	err := s.db.WithContext(ctx).Where("vendor_id = ?", vendorID).Order("id DESC").Find(&keys).Error
	if err != nil {
		return nil, fmt.Errorf("vendors: list keys: %w", err)
	}
	return keys, nil
}

// RevokeKey revokes the key with this prefix. Revoking twice is not an error.
func (s *Store) RevokeKey(ctx context.Context, prefix string) (APIKey, error) {
	var k APIKey
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("prefix = ?", prefix).Take(&k).Error; err != nil {
			return err
		}
		if k.RevokedAt != nil {
			return nil
		}
		now := s.clock()
		k.RevokedAt = &now
		if err := tx.Model(&APIKey{}).Where("id = ?", k.ID).Update("revoked_at", now).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{CreatedAt: now, Action: audit.KeyRevoked, TargetType: "api_key",
			TargetID: k.Prefix, Target: k.Prefix, VendorID: audit.Vendor(k.VendorID)})
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return APIKey{}, ErrNotFound
	}
	if err != nil {
		return APIKey{}, fmt.Errorf("vendors: revoke key: %w", err)
	}
	return k, nil
}

// Authenticate returns the key that plain is, or ErrUnauthorized whatever the
// reason (missing, malformed, unknown, revoked), so callers cannot tell which.
func (s *Store) Authenticate(ctx context.Context, plain string) (APIKey, error) {
	if !wellFormedKey(plain) {
		return APIKey{}, ErrUnauthorized
	}
	var row struct {
		APIKey
		OperatorStatus string // issue 15: the operator's hold on the key's vendor
	}
	err := s.db.WithContext(ctx).Table("api_keys").Select("api_keys.*, vendors.operator_status").
		Joins("JOIN vendors ON vendors.id = api_keys.vendor_id").
		Where("api_keys.prefix = ? AND api_keys.revoked_at IS NULL", plain[:keyPrefixLen]).Take(&row).Error
	k := row.APIKey
	if errors.Is(err, gorm.ErrRecordNotFound) {
		subtle.ConstantTimeCompare(hashKey(plain), hashKey(plain)) // same work either way
		return APIKey{}, ErrUnauthorized
	}
	if err != nil {
		return APIKey{}, fmt.Errorf("vendors: authenticate: %w", err)
	}
	if subtle.ConstantTimeCompare(hashKey(plain), k.Hash) != 1 {
		return APIKey{}, ErrUnauthorized
	}
	if row.OperatorStatus != StatusActive {
		return APIKey{}, ErrSuspended
	}
	now := s.clock()
	// Recording every use would make every API call a write; once a minute is enough.
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) >= lastUsedEvery {
		err := s.db.WithContext(ctx).Model(&APIKey{}).Where("id = ?", k.ID).Update("last_used_at", now).Error
		if err != nil {
			return APIKey{}, fmt.Errorf("vendors: record key use: %w", err)
		}
		k.LastUsedAt = &now
	}
	return k, nil
}
