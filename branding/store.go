package branding

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/duehub/duehub/audit"
)

// ErrNotFound is returned for a logo that is not the vendor's current one.
var ErrNotFound = errors.New("branding: not found")

// Brand is a vendor's branding without the logo's bytes. The zero Brand
// (no accent, no logo) looks as every vendor looked before branding.
type Brand struct {
	VendorID  int64 `gorm:"primaryKey"`
	Accent    string
	LogoType  string
	LogoHash  string
	UpdatedAt time.Time
}

// TableName is gorm's table for Brand.
func (Brand) TableName() string { return "vendor_brandings" }

// HasLogo reports whether the vendor has a logo.
func (b Brand) HasLogo() bool { return b.LogoHash != "" }

// LogoPath is where the hub serves the logo ("" without one); the hash in
// it changes with the logo, so the file may be cached for good.
func (b Brand) LogoPath() string {
	if !b.HasLogo() {
		return ""
	}
	return "/brand/" + strconv.FormatInt(b.VendorID, 10) + "/" + b.LogoHash + "." + b.LogoType
}

// Store keeps brandings; every method names the vendor.
type Store struct {
	db  *gorm.DB
	now func() time.Time
}

// NewStore returns a Store on db.
func NewStore(db *gorm.DB, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, now: now}
}

var brandColumns = []string{"vendor_id", "accent", "logo_type", "logo_hash", "updated_at"}

// Get returns the vendor's branding, the zero Brand (with VendorID) if none.
func (s *Store) Get(ctx context.Context, vendorID int64) (Brand, error) {
	m, err := s.ForVendors(ctx, []int64{vendorID})
	if err != nil {
		return Brand{}, err
	}
	if b, ok := m[vendorID]; ok {
		return b, nil
	}
	return Brand{VendorID: vendorID}, nil
}

// ForVendors returns the brandings of the given vendors that have one.
func (s *Store) ForVendors(ctx context.Context, vendorIDs []int64) (map[int64]Brand, error) {
	out := make(map[int64]Brand, len(vendorIDs))
	if len(vendorIDs) == 0 {
		return out, nil
	}
	var rows []Brand
	if err := s.db.WithContext(ctx).Select(brandColumns).Where("vendor_id IN ?", vendorIDs).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("branding: get: %w", err)
	}
	for _, b := range rows {
		if b.Accent != "" || b.HasLogo() {
			out[b.VendorID] = b
		}
	}
	return out, nil
}

// SetAccent sets (or, with "", clears) the vendor's accent colour after
// checking it with NormalizeAccent.
func (s *Store) SetAccent(ctx context.Context, vendorID int64, accent string) error {
	accent, err := NormalizeAccent(accent)
	if err != nil {
		return err
	}
	row := map[string]any{"vendor_id": vendorID, "accent": accent, "updated_at": s.now().UTC()}
	return s.upsert(ctx, row, audit.Entry{Action: audit.BrandAccentSet, Detail: "accent " + cmp.Or(accent, "removed")},
		"accent", "updated_at")
}

// SetLogo replaces the vendor's logo with l, which must come from CleanLogo.
func (s *Store) SetLogo(ctx context.Context, vendorID int64, l Logo) error {
	if l.Hash == "" || l.Type != TypePNG && l.Type != TypeSVG {
		return fmt.Errorf("branding: set logo: not a checked logo")
	}
	row := map[string]any{"vendor_id": vendorID, "logo_type": l.Type, "logo_hash": l.Hash, "logo": l.Data, "updated_at": s.now().UTC()}
	return s.upsert(ctx, row, audit.Entry{Action: audit.BrandLogoSet, Detail: l.Type + " " + l.Hash},
		"logo_type", "logo_hash", "logo", "updated_at")
}

// upsert saves the vendor's row and the audit row of the change, with the
// actor of ctx, in one transaction.
func (s *Store) upsert(ctx context.Context, row map[string]any, e audit.Entry, columns ...string) error {
	vendorID := row["vendor_id"].(int64)
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Table("vendor_brandings").Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "vendor_id"}},
			DoUpdates: clause.AssignmentColumns(columns),
		}).Create(row).Error
		if err != nil {
			return fmt.Errorf("branding: save: %w", err)
		}
		return s.audit(ctx, tx, vendorID, e)
	})
}

// audit records e as a change of the vendor's branding.
func (s *Store) audit(ctx context.Context, tx *gorm.DB, vendorID int64, e audit.Entry) error {
	e.CreatedAt, e.TargetType, e.TargetID, e.VendorID = s.now(), "vendor", strconv.FormatInt(vendorID, 10), audit.Vendor(vendorID)
	return audit.Record(ctx, tx, e)
}

// RemoveLogo removes the vendor's logo: its URL answers 404 from then on.
func (s *Store) RemoveLogo(ctx context.Context, vendorID int64) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Table("vendor_brandings").Where("vendor_id = ? AND logo_hash <> ''", vendorID).
			Updates(map[string]any{"logo_type": "", "logo_hash": "", "logo": nil, "updated_at": s.now().UTC()})
		if res.Error != nil {
			return fmt.Errorf("branding: remove logo: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return nil // no logo: nothing changed
		}
		return s.audit(ctx, tx, vendorID, audit.Entry{Action: audit.BrandLogoRemoved})
	})
}

// Logo returns the vendor's current logo if its hash and type are the
// given ones, else ErrNotFound: a replaced or removed logo is not served.
func (s *Store) Logo(ctx context.Context, vendorID int64, hash, typ string) (Logo, error) {
	var row struct {
		LogoType, LogoHash string
		Logo               []byte
	}
	err := s.db.WithContext(ctx).Table("vendor_brandings").Select("logo_type", "logo_hash", "logo").
		Where("vendor_id = ? AND logo_hash = ? AND logo_type = ? AND logo_hash <> ''", vendorID, hash, typ).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Logo{}, ErrNotFound
	}
	if err != nil {
		return Logo{}, fmt.Errorf("branding: logo: %w", err)
	}
	return Logo{Type: row.LogoType, Hash: row.LogoHash, Data: row.Logo}, nil
}
