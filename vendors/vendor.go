package vendors

import (
	"context"
	"errors"
	"fmt"
	"strconv"
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
	// The reminder policy: offsets in days from the due date
	// (comma-separated) and the repeat interval while overdue.
	ReminderOffsets    string
	ReminderRepeatDays int
	// Status decides whether digests carry the vendor's invoices (see
	// InDigestsSQL); LiveVendorID is set on a test-mode sandbox only.
	Status       string `gorm:"default:active"`
	LiveVendorID *int64
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
	v.ReminderOffsets, v.ReminderRepeatDays = DefaultReminderOffsets, DefaultReminderRepeatDays
	v.Status = StatusActive
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

// The default reminder policy: a week before, on the day, 3 and 7 days
// after, then every 7 days while overdue.
const (
	DefaultReminderOffsets    = "-7,0,3,7"
	DefaultReminderRepeatDays = 7
)

// ReminderPolicy returns the vendor's offsets and repeat interval.
func (s *Store) ReminderPolicy(ctx context.Context, vendorID int64) ([]int, int, error) {
	v, err := s.GetVendor(ctx, vendorID)
	if err != nil {
		return nil, 0, err
	}
	offsets, err := ParseOffsets(v.ReminderOffsets)
	if err != nil {
		return nil, 0, fmt.Errorf("vendors: stored policy of vendor %d: %w", vendorID, err)
	}
	return offsets, v.ReminderRepeatDays, nil
}

// SetReminderPolicy stores a policy the caller has validated.
func (s *Store) SetReminderPolicy(ctx context.Context, vendorID int64, offsets []int, repeatDays int) error {
	parts := make([]string, len(offsets))
	for i, o := range offsets {
		parts[i] = strconv.Itoa(o)
	}
	res := s.db.WithContext(ctx).Model(&Vendor{}).Where("id = ?", vendorID).Updates(map[string]any{
		"reminder_offsets": strings.Join(parts, ","), "reminder_repeat_days": repeatDays, "updated_at": s.clock(),
	})
	if res.Error != nil {
		return fmt.Errorf("vendors: set reminder policy: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// ParseOffsets reads a stored comma-separated offsets list.
func ParseOffsets(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	out := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return nil, fmt.Errorf("offset %q: %w", p, err)
		}
		out[i] = n
	}
	return out, nil
}
