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
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/duehub/duehub/audit"
)

const (
	keyScheme     = "dh_live_"
	testScheme    = "dh_test_" // issue 15: keys of a vendor's test-mode sandbox
	keyRandomLen  = 40         // base62 characters, about 238 bits
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
	// Label says what the key is for (issue 15); ExpiresAt ends a rolled
	// key's grace period.
	Label     string
	ExpiresAt *time.Time
}

// Test reports whether the key is a test-mode key.
func (k APIKey) Test() bool { return strings.HasPrefix(k.Prefix, testScheme) }

// Live reports whether the key still opens the API at now.
func (k APIKey) Live(now time.Time) bool {
	return k.RevokedAt == nil && (k.ExpiresAt == nil || k.ExpiresAt.After(now))
}

func newKeySecret(scheme string) string {
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
	return scheme + string(b)
}

func hashKey(plain string) []byte {
	h := sha256.Sum256([]byte(plain))
	return h[:]
}

// wellFormedKey reports whether s looks like a duehub key, without touching the database.
func wellFormedKey(s string) bool {
	if !(strings.HasPrefix(s, keyScheme) || strings.HasPrefix(s, testScheme)) || len(s) < len(keyScheme)+32 || len(s) > len(keyScheme)+128 {
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
	return s.CreateKeyWith(ctx, vendorID, KeyOptions{})
}

// KeyOptions are the choices of a new key (issue 15).
type KeyOptions struct {
	Label string
	// Test makes a dh_test_ key of the vendor's sandbox (created on first use).
	Test bool
}

// CreateKeyWith makes a key as opts says. vendorID is the live vendor; a
// test key belongs to its sandbox.
func (s *Store) CreateKeyWith(ctx context.Context, vendorID int64, opts KeyOptions) (string, APIKey, error) {
	label := strings.TrimSpace(opts.Label)
	if utf8.RuneCountInString(label) > 100 {
		return "", APIKey{}, Invalid("label", "must be at most 100 characters")
	}
	v, err := s.GetVendor(ctx, vendorID)
	if err != nil {
		return "", APIKey{}, err
	}
	scheme := keyScheme
	if opts.Test || v.Sandbox() {
		scheme = testScheme
		if v, err = s.SandboxOf(ctx, vendorID); err != nil {
			return "", APIKey{}, err
		}
	}
	return s.insertKey(s.db.WithContext(ctx), v.ID, scheme, label)
}

func (s *Store) insertKey(tx *gorm.DB, vendorID int64, scheme, label string) (string, APIKey, error) {
	for attempt := 0; ; attempt++ {
		plain := newKeySecret(scheme)
		k := APIKey{VendorID: vendorID, Prefix: plain[:keyPrefixLen], Hash: hashKey(plain), CreatedAt: s.clock(), Label: label}
		err := tx.Transaction(func(tx *gorm.DB) error {
			if err := tx.Create(&k).Error; err != nil {
				return err
			}
			return audit.Record(tx.Statement.Context, tx, audit.Entry{CreatedAt: k.CreatedAt, Action: audit.KeyCreated,
				TargetType: "api_key", TargetID: k.Prefix, Target: k.Prefix, VendorID: audit.Vendor(vendorID)})
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
		// Issue 15: a suspended vendor's keys, and its sandbox's, open
		// nothing (a pending vendor's do: it prepares its integration).
		VendorStatus, LiveStatus string
	}
	now := s.clock()
	err := s.db.WithContext(ctx).Table("api_keys").
		Select("api_keys.*, v.status AS vendor_status, COALESCE(live.status, '') AS live_status").
		Joins("JOIN vendors v ON v.id = api_keys.vendor_id").
		Joins("LEFT JOIN vendors live ON live.id = v.live_vendor_id").
		Where("api_keys.prefix = ? AND api_keys.revoked_at IS NULL AND (api_keys.expires_at IS NULL OR api_keys.expires_at > ?)",
			plain[:keyPrefixLen], now).Take(&row).Error
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
	if row.VendorStatus == StatusSuspended || row.LiveStatus == StatusSuspended {
		return APIKey{}, ErrSuspended
	}
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
