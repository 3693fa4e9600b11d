package vendors

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Vendor is a business that is owed money and pushes its invoices to the hub.
type Vendor struct {
	ID           int64
	Name         string
	Domain       string // verified display domain shown in digests
	SupportEmail string
	Timezone     string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// NewVendor is what the operator gives to create a vendor.
type NewVendor struct {
	Name         string
	Domain       string
	SupportEmail string
	Timezone     string
}

func (in NewVendor) validate() (Vendor, error) {
	var fe fieldErrors
	v := Vendor{
		Name:     strings.TrimSpace(in.Name),
		Domain:   strings.ToLower(strings.TrimSpace(in.Domain)),
		Timezone: in.Timezone,
	}
	if v.Name == "" || len(v.Name) > 200 {
		fe.add("name", "is required, at most 200 characters")
	}
	if v.Domain != "" && !validHostname(v.Domain) {
		fe.add("domain", "must be a host name like billing.example.com")
	}
	if in.SupportEmail != "" {
		email, err := NormalizeEmail(in.SupportEmail)
		if err != nil {
			fe.add("support_email", err.Error())
		}
		v.SupportEmail = email
	}
	if v.Timezone == "" {
		v.Timezone = "UTC"
	} else if _, err := time.LoadLocation(v.Timezone); err != nil {
		fe.add("timezone", "must be an IANA time zone like Europe/Paris")
	}
	if len(fe) > 0 {
		return v, &ValidationError{Fields: fe}
	}
	return v, nil
}

func validHostname(h string) bool {
	if len(h) > 253 || !strings.Contains(h, ".") {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// CreateVendor stores a new vendor.
func (s *Store) CreateVendor(ctx context.Context, in NewVendor) (Vendor, error) {
	v, err := in.validate()
	if err != nil {
		return Vendor{}, err
	}
	now := s.clock()
	v.CreatedAt, v.UpdatedAt = now, now
	if err := s.db.WithContext(ctx).Create(&v).Error; err != nil {
		return Vendor{}, fmt.Errorf("vendors: create vendor: %w", err)
	}
	return v, nil
}

// GetVendor returns one vendor.
func (s *Store) GetVendor(ctx context.Context, vendorID int64) (Vendor, error) {
	var v Vendor
	err := s.db.WithContext(ctx).Where("id = ?", vendorID).Take(&v).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Vendor{}, ErrNotFound
	}
	if err != nil {
		return Vendor{}, fmt.Errorf("vendors: get vendor: %w", err)
	}
	return v, nil
}
