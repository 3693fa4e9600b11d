package payers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/duehub/duehub/locale"
	"github.com/duehub/duehub/vendors"
)

// Preferences are what a payer chooses about its digests: when (the
// schedule) and how (the channels).
type Preferences struct {
	Timezone         string // IANA
	Cadence          string // rhythm | smart | weekly | daily | payment_run
	Weekday          int    // weekly: 0 = Sunday
	RunDays          []int  // payment_run: days of the month
	SendHour         int
	SendMinute       int
	MinIntervalHours int
	EmailEnabled     bool
	SMSEnabled       bool
	// UrgentEnabled allows the short "due now" message between two
	// regular digests.
	UrgentEnabled bool
	// Locale is how days are written for the payer: one of
	// locale.Supported, or "" for the default.
	Locale string
}

// UpdatePreferences stores the payer's preferences. The schedule's rules
// (cadence, weekday, run days, time of day, minimum interval) belong to the
// bundler, which reads them: check them with bundler.Schedule.Validate
// before calling. Here only the timezone is checked; the database's CHECK
// constraints are the last guard.
func (s *Store) UpdatePreferences(ctx context.Context, payerID int64, p Preferences) error {
	tz := strings.TrimSpace(p.Timezone)
	if _, err := time.LoadLocation(tz); err != nil || tz == "" || tz == "Local" {
		return vendors.Invalid("timezone", "must be a timezone like Europe/Paris or America/New_York")
	}
	if p.Locale != "" && !locale.Valid(p.Locale) {
		return vendors.Invalid("locale", "must be one of the date formats offered")
	}
	days := make([]string, len(p.RunDays))
	for i, d := range p.RunDays {
		days[i] = strconv.Itoa(d)
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Payer{}).Where("id = ?", payerID).Updates(map[string]any{
			"timezone": tz, "cadence": p.Cadence, "weekday": p.Weekday, "run_days": strings.Join(days, ","),
			"send_hour": p.SendHour, "send_minute": p.SendMinute, "min_interval_hours": p.MinIntervalHours,
			"email_enabled": p.EmailEnabled, "sms_enabled": p.SMSEnabled, "urgent_enabled": p.UrgentEnabled,
			"locale": p.Locale, "updated_at": s.now().UTC(),
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		// Issue 13: a channel turned on undoes the payer's own unsubscribe links.
		for ch, on := range map[string]bool{"email": p.EmailEnabled, "sms": p.SMSEnabled} {
			if on {
				if err := resubscribe(tx, payerID, ch); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("payers: update preferences: %w", err)
	}
	return err
}

// UnsubscribeAll turns every digest channel of the payer off.
func (s *Store) UnsubscribeAll(ctx context.Context, payerID int64) error {
	err := s.db.WithContext(ctx).Model(&Payer{}).Where("id = ?", payerID).
		Updates(map[string]any{"email_enabled": false, "sms_enabled": false, "updated_at": s.now().UTC()}).Error
	if err != nil {
		return fmt.Errorf("payers: unsubscribe all: %w", err)
	}
	return nil
}

// Contact roles.
const (
	RoleTo  = "to"
	RoleCC  = "cc"
	RoleBCC = "bcc"
)

// Contacts returns the payer's contacts, email addresses first.
func (s *Store) Contacts(ctx context.Context, payerID int64) ([]Contact, error) {
	var cs []Contact
	if err := s.db.WithContext(ctx).Where("payer_id = ?", payerID).Order("kind, id").Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("payers: contacts: %w", err)
	}
	return cs, nil
}

// NormalizeContact checks a contact a payer adds and returns it normalised.
// A phone number receives SMS and has no role: it is always "to".
func NormalizeContact(kind, value, role string) (Contact, error) {
	c := Contact{Kind: kind, Role: role}
	var err error
	switch kind {
	case "email":
		c.Value, err = vendors.NormalizeEmail(value)
	case "phone":
		c.Value, err = vendors.NormalizePhone(value)
		c.Role = RoleTo
	default:
		return Contact{}, vendors.Invalid("kind", "must be email or phone")
	}
	if err != nil {
		return Contact{}, vendors.Invalid("value", err.Error())
	}
	if c.Role != RoleTo && c.Role != RoleCC && c.Role != RoleBCC {
		return Contact{}, vendors.Invalid("role", "must be to, cc or bcc")
	}
	return c, nil
}

// AddContact adds an address the payer's digests go to. An address the
// payer already has is an error on "value".
func (s *Store) AddContact(ctx context.Context, payerID int64, kind, value, role string) (Contact, error) {
	c, err := NormalizeContact(kind, value, role)
	if err != nil {
		return Contact{}, err
	}
	c.PayerID, c.CreatedAt = payerID, s.now().UTC()
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&c)
	if res.Error != nil {
		return Contact{}, fmt.Errorf("payers: add contact: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		var own int64
		err := s.db.WithContext(ctx).Model(&Contact{}).Where("payer_id = ? AND kind = ? AND value = ?", payerID, c.Kind, c.Value).Count(&own).Error
		if err != nil {
			return Contact{}, fmt.Errorf("payers: add contact: %w", err)
		}
		if own == 0 { // a number belongs to one payer only (see LinkPayers)
			return Contact{}, vendors.Invalid("value", "cannot be added: a phone number receives the reminders of one inbox only")
		}
		return Contact{}, vendors.Invalid("value", "is already one of your contacts")
	}
	return c, nil
}

// lastInbox explains why a contact stays: codes and digests go to the "to"
// email addresses, so one must remain.
const lastInbox = "is your only AP inbox (To) address: add another one first"

// SetContactRole changes the role of one of the payer's contacts. Another
// payer's contact is ErrNotFound.
func (s *Store) SetContactRole(ctx context.Context, payerID, contactID int64, role string) error {
	return s.changeContact(ctx, payerID, contactID, role, func(tx *gorm.DB, c Contact) error {
		return tx.Model(&Contact{}).Where("id = ?", c.ID).Update("role", role).Error
	})
}

// RemoveContact removes one of the payer's contacts, never the last "to"
// email address. Another payer's contact is ErrNotFound. A vendor that
// pushes the address again adds it back: the vendor's record still names it.
func (s *Store) RemoveContact(ctx context.Context, payerID, contactID int64) error {
	return s.changeContact(ctx, payerID, contactID, "", func(tx *gorm.DB, c Contact) error {
		return tx.Where("id = ?", c.ID).Delete(&Contact{}).Error
	})
}

// CheckContactChange returns the error SetContactRole (role) or
// RemoveContact (role "") would return now, changing nothing: the portal
// checks before it spends the payer's one-time code.
func (s *Store) CheckContactChange(ctx context.Context, payerID, contactID int64, role string) error {
	_, err := contactChange(s.db.WithContext(ctx), payerID, contactID, role)
	return contactErr(err)
}

// contactChange loads one of the payer's contacts and checks that it may
// take the role, or be removed (role "").
func contactChange(tx *gorm.DB, payerID, contactID int64, role string) (Contact, error) {
	var c Contact
	err := tx.Where("id = ? AND payer_id = ?", contactID, payerID).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Contact{}, ErrNotFound
	}
	if err != nil {
		return Contact{}, err
	}
	if role != "" && role != RoleTo && role != RoleCC && role != RoleBCC {
		return Contact{}, vendors.Invalid("role", "must be to, cc or bcc")
	}
	if c.Kind == "phone" && role != "" && role != RoleTo {
		return Contact{}, vendors.Invalid("role", "a phone number receives SMS and has no cc or bcc role")
	}
	if role != RoleTo {
		if err := keepsAnInbox(tx, c); err != nil {
			return Contact{}, err
		}
	}
	return c, nil
}

// changeContact checks and applies a change to one of the payer's contacts
// with the payer's row locked, so that two concurrent removals cannot both
// pass the "one inbox remains" check (SQLite transactions are immediate,
// hence serial).
func (s *Store) changeContact(ctx context.Context, payerID, contactID int64, role string, apply func(tx *gorm.DB, c Contact) error) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var p Payer
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Select("id").Where("id = ?", payerID).Take(&p).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		c, err := contactChange(tx, payerID, contactID, role)
		if err != nil {
			return err
		}
		return apply(tx, c)
	})
	return contactErr(err)
}

func contactErr(err error) error {
	var ve *vendors.ValidationError
	if err == nil || errors.Is(err, ErrNotFound) || errors.As(err, &ve) {
		return err
	}
	return fmt.Errorf("payers: change contact: %w", err)
}

// keepsAnInbox fails when c is the payer's last "to" email address.
func keepsAnInbox(tx *gorm.DB, c Contact) error {
	if c.Kind != "email" || c.Role != RoleTo {
		return nil
	}
	var others int64
	err := tx.Model(&Contact{}).Where("payer_id = ? AND kind = 'email' AND role = ? AND id <> ?", c.PayerID, RoleTo, c.ID).
		Count(&others).Error
	if err != nil {
		return err
	}
	if others == 0 {
		return vendors.Invalid("contact", c.Value+" "+lastInbox)
	}
	return nil
}

// SMS consent is recorded by vendors (customers.sms_consent and its source,
// pushed with each customer): the hub texts a number only when a vendor
// holds its consent. A payer cannot grant consent on a vendor's behalf, and
// setting customers.sms_consent would not last (the vendor's next push
// writes it back). What the payer can do is withdraw it: that is a
// suppression of the number, which the digest planner and Recipients
// already respect, and which lasts whatever vendors push. Turning consent
// back on lifts only the payer's own withdrawal, never a STOP or an invalid
// number.

// SuppressPayerOptOut is the reason of a number the payer turned SMS off
// for in the portal.
const SuppressPayerOptOut = "payer_optout"

// PhoneConsent is the SMS state of one of the payer's phone numbers.
type PhoneConsent struct {
	Phone string
	// VendorConsent is true when a vendor recorded the number's consent.
	VendorConsent bool
	// OptedOut is true when this payer turned SMS off for the number.
	OptedOut bool
	// Suppressed is any other suppression of the number (sms_stop,
	// invalid), "" when none.
	Suppressed string
}

// Texted reports whether digests may go to the number.
func (p PhoneConsent) Texted() bool { return p.VendorConsent && !p.OptedOut && p.Suppressed == "" }

// PhoneConsents returns the SMS state of each of the payer's phone contacts.
func (s *Store) PhoneConsents(ctx context.Context, payerID int64) ([]PhoneConsent, error) {
	var phones []string
	err := s.db.WithContext(ctx).Model(&Contact{}).Where("payer_id = ? AND kind = 'phone'", payerID).
		Order("id").Pluck("value", &phones).Error
	if err != nil || len(phones) == 0 {
		return nil, phoneConsentsErr(err)
	}
	var consented []string
	err = s.db.WithContext(ctx).Table("customers").Distinct("phone").
		Where("payer_id = ? AND sms_consent AND phone IN ?", payerID, phones).Pluck("phone", &consented).Error
	if err != nil {
		return nil, phoneConsentsErr(err)
	}
	var sups []Suppression
	if err := s.db.WithContext(ctx).Where("channel = 'sms' AND address IN ?", phones).Find(&sups).Error; err != nil {
		return nil, phoneConsentsErr(err)
	}
	out := make([]PhoneConsent, len(phones))
	for i, ph := range phones {
		out[i].Phone = ph
		for _, c := range consented {
			out[i].VendorConsent = out[i].VendorConsent || c == ph
		}
		for _, sup := range sups {
			switch {
			case sup.Address != ph:
			case sup.Reason == SuppressPayerOptOut && strings.HasPrefix(sup.Detail, optOutDetail(payerID, "")):
				out[i].OptedOut = true
			default:
				out[i].Suppressed = sup.Reason
			}
		}
	}
	return out, nil
}

func optOutDetail(payerID int64, source string) string {
	return fmt.Sprintf("payer %d: %s", payerID, source)
}

// SetSMSConsent withdraws (consent false) the SMS consent of one of the
// payer's numbers, or lifts the payer's own earlier withdrawal (consent
// true). source says where the payer did it ("payer portal"). A number
// that is not the payer's is ErrNotFound.
func (s *Store) SetSMSConsent(ctx context.Context, payerID int64, phone string, consent bool, source string) error {
	phone, err := vendors.NormalizePhone(phone)
	if err != nil {
		return vendors.Invalid("phone", err.Error())
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		err := tx.Model(&Contact{}).Where("payer_id = ? AND kind = 'phone' AND value = ?", payerID, phone).Count(&n).Error
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		if !consent {
			return suppressIn(tx, "sms", phone, SuppressPayerOptOut, optOutDetail(payerID, source), s.now().UTC())
		}
		return tx.Where("channel = 'sms' AND address = ? AND reason = ? AND detail LIKE ?",
			phone, SuppressPayerOptOut, optOutDetail(payerID, "")+"%").Delete(&Suppression{}).Error
	})
	if err == nil || errors.Is(err, ErrNotFound) {
		return err
	}
	return fmt.Errorf("payers: sms consent: %w", err)
}

func phoneConsentsErr(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("payers: phone consents: %w", err)
}
