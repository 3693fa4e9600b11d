package vendors

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/duehub/duehub/audit"
)

// Sign-up (issue 15): a business creates its own vendor from the web. The
// form is checked, a verification link is emailed to the work address, and
// only the link's use creates the vendor and its first member, an admin.

// NewSignup is what the sign-up form asks.
type NewSignup struct {
	NewVendor
	Email string // the work email of the person signing up: the first admin
}

// ValidateSignup checks a sign-up and returns it normalised, or a
// *ValidationError naming each bad field. A display domain is required.
func ValidateSignup(in NewSignup) (NewSignup, error) {
	v, err := in.NewVendor.validate()
	var fe fieldErrors
	var ve *ValidationError
	if errors.As(err, &ve) {
		fe = ve.Fields
	}
	out := NewSignup{NewVendor: NewVendor{Name: v.Name, Domain: v.Domain, SupportEmail: v.SupportEmail, Timezone: v.Timezone}}
	email, err := NormalizeEmail(in.Email)
	if err != nil {
		fe.add("email", err.Error())
	}
	out.Email = email
	if strings.TrimSpace(in.Domain) == "" {
		fe.add("domain", "is required: the domain your customers know you by, like billing.example.com")
	}
	if out.SupportEmail == "" {
		out.SupportEmail = email
	}
	if len(fe) > 0 {
		return out, &ValidationError{Fields: fe}
	}
	return out, nil
}

// SignUp creates the vendor of a verified sign-up, with status (active or
// pending, as the operator's policy says) and its first member as admin,
// and spends the verification link jti: a second use is ErrSignInUsed and
// creates nothing.
func (s *Store) SignUp(ctx context.Context, in NewSignup, status, jti string, expiresAt time.Time) (Vendor, Member, error) {
	in, err := ValidateSignup(in)
	if err != nil {
		return Vendor{}, Member{}, err
	}
	if status != StatusActive && status != StatusPending {
		return Vendor{}, Member{}, fmt.Errorf("vendors: sign up: status %q", status)
	}
	v, _ := in.NewVendor.validate()
	now := s.clock()
	v.CreatedAt, v.UpdatedAt, v.Status = now, now, status
	v.ReminderOffsets, v.ReminderRepeatDays = DefaultReminderOffsets, DefaultReminderRepeatDays
	m := Member{Email: in.Email, Role: RoleAdmin, CreatedAt: now}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&v).Error; err != nil {
			return err
		}
		row := map[string]any{"jti": jti, "vendor_id": v.ID, "expires_at": expiresAt.UTC(), "used_at": now}
		res := tx.Table("vendor_signup_links").Clauses(clause.OnConflict{DoNothing: true}).Create(row)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrSignInUsed
		}
		m.VendorID = v.ID
		if err := tx.Create(&m).Error; err != nil {
			return err
		}
		id := m.ID
		return audit.Record(ctx, tx, audit.Entry{CreatedAt: now, ActorKind: audit.ByMember, ActorID: &id, Actor: m.Email,
			IP: audit.ActorOf(ctx).IP, Action: audit.VendorSignedUp, TargetType: "vendor", TargetID: strconv.FormatInt(v.ID, 10),
			Target: v.Name, VendorID: audit.Vendor(v.ID), Detail: "status " + status})
	})
	if errors.Is(err, ErrSignInUsed) {
		return Vendor{}, Member{}, err
	}
	if err != nil {
		return Vendor{}, Member{}, fmt.Errorf("vendors: sign up: %w", err)
	}
	return v, m, nil
}

// SignupUsed reports whether the sign-up link jti was used already.
func (s *Store) SignupUsed(ctx context.Context, jti string) (bool, error) {
	var n int64
	if err := s.db.WithContext(ctx).Table("vendor_signup_links").Where("jti = ?", jti).Count(&n).Error; err != nil {
		return false, fmt.Errorf("vendors: sign-up used: %w", err)
	}
	return n > 0, nil
}
