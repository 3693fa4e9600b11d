package vendors

import (
	"errors"
	"net/mail"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"
)

// Customer is a vendor's own record of who owes it, linked to a network payer
// by its AP contact. The payer link is never shown to the vendor.
type Customer struct {
	ID               int64
	VendorID         int64
	ExternalID       string
	Name             string
	Email            string
	Phone            string
	SMSConsent       bool   `gorm:"column:sms_consent"`
	SMSConsentSource string `gorm:"column:sms_consent_source"`
	PayerID          int64
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// CustomerInput is a customer as a vendor pushes it, inside an invoice or a
// credit. It merges into the vendor's stored customer: a field listed in
// Omitted keeps its stored value, every other field replaces it (an empty
// value clears it). The zero Omitted names every field.
type CustomerInput struct {
	ExternalID       string
	Name             string
	Email            string
	Phone            string
	SMSConsent       bool
	SMSConsentSource string
	Omitted          CustomerFields
}

// CustomerFields is a set of customer fields.
type CustomerFields uint8

// The customer fields a push may omit.
const (
	FieldName CustomerFields = 1 << iota
	FieldEmail
	FieldPhone
	FieldSMSConsent
	FieldSMSConsentSource
)

// Has reports whether f holds every field of g.
func (f CustomerFields) Has(g CustomerFields) bool { return f&g == g }

// NormalizeEmail lower-cases and trims an address and checks it is a bare
// RFC 5322 address (no display name).
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s || len(s) > 254 || !strings.Contains(s[strings.LastIndexByte(s, '@'):], ".") {
		return "", errors.New("must be an email address like ap@example.com")
	}
	return s, nil
}

// NormalizePhone returns the E.164 form of an international number. It checks
// that the number is possible (length and country code), not that it is
// allocated: fictional 555 numbers like +15551230000 must be accepted.
func NormalizePhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "+") {
		return "", errors.New("must be an international number starting with +, like +15551230000")
	}
	n, err := phonenumbers.Parse(s, "")
	if err != nil || !phonenumbers.IsPossibleNumber(n) {
		return "", errors.New("is not a valid phone number")
	}
	if n.GetExtension() != "" {
		return "", errors.New("must be a number that can receive SMS, without an extension")
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

// validate checks and normalises the fields the push names. Whether the
// customer ends up with a contact, and consent with a number, depends on
// the stored record too: merge checks that.
func (in CustomerInput) validate(prefix string, fe *fieldErrors) CustomerInput {
	c := in
	c.Name = strings.TrimSpace(in.Name)
	c.SMSConsentSource = strings.TrimSpace(in.SMSConsentSource)
	c.Email, c.Phone = "", ""
	checkExternalID(prefix+"external_id", in.ExternalID, fe)
	if len([]rune(c.Name)) > 200 {
		fe.add(prefix+"name", "must be at most 200 characters")
	}
	if strings.TrimSpace(in.Email) != "" {
		email, err := NormalizeEmail(in.Email)
		if err != nil {
			fe.add(prefix+"email", err.Error())
		}
		c.Email = email
	} else if in.Email != "" {
		fe.add(prefix+"email", "must be an email address like ap@example.com")
	}
	if strings.TrimSpace(in.Phone) != "" {
		phone, err := NormalizePhone(in.Phone)
		if err != nil {
			fe.add(prefix+"phone", err.Error())
		}
		c.Phone = phone
	} else if in.Phone != "" {
		fe.add(prefix+"phone", "is not a valid phone number")
	}
	if len(c.SMSConsentSource) > 200 {
		fe.add(prefix+"sms_consent_source", "must be at most 200 characters")
	}
	return c
}

// merge applies the push to the stored customer (the zero Customer when
// there is none) and checks the result. SMS consent belongs to a number: a
// push that changes or clears the phone without restating sms_consent
// drops the stored consent and its source.
func (in CustomerInput) merge(old Customer, prefix string) (Customer, []FieldError) {
	c := old
	c.ExternalID = in.ExternalID
	if !in.Omitted.Has(FieldName) {
		c.Name = in.Name
	}
	if !in.Omitted.Has(FieldEmail) {
		c.Email = in.Email
	}
	if !in.Omitted.Has(FieldPhone) {
		c.Phone = in.Phone
	}
	if c.Phone != old.Phone {
		c.SMSConsent, c.SMSConsentSource = false, ""
	}
	if !in.Omitted.Has(FieldSMSConsent) {
		c.SMSConsent = in.SMSConsent
	}
	if !in.Omitted.Has(FieldSMSConsentSource) {
		c.SMSConsentSource = in.SMSConsentSource
	}
	var fe fieldErrors
	switch {
	case c.Email == "" && c.Phone == "" && old.ID == 0:
		fe.add(prefix+"email", "a new customer needs a valid email or a valid phone")
	case c.Email == "" && c.Phone == "":
		fe.add(prefix+"email", "a customer needs a valid email or a valid phone: this would clear the last one")
	}
	if c.SMSConsent && c.Phone == "" {
		fe.add(prefix+"sms_consent", "consent needs a phone number")
	}
	return c, fe
}

func (c Customer) sameAs(o Customer) bool {
	return c.Name == o.Name && c.Email == o.Email && c.Phone == o.Phone &&
		c.SMSConsent == o.SMSConsent && c.SMSConsentSource == o.SMSConsentSource
}

// customerChecks remembers, within one push, what validate made of each
// distinct customer mention: a batch names the same customer on many of its
// invoices, and normalising an address costs microseconds (a phone number
// 8-12 µs). The nil customerChecks remembers nothing.
type customerChecks map[CustomerInput]customerCheck

type customerCheck struct {
	c  CustomerInput
	fe []FieldError
}

// validate is in.validate(prefix, fe), remembered; prefix must be the same
// for every mention.
func (cc customerChecks) validate(in CustomerInput, prefix string, fe *fieldErrors) CustomerInput {
	if cc == nil {
		return in.validate(prefix, fe)
	}
	if k, ok := cc[in]; ok {
		*fe = append(*fe, k.fe...)
		return k.c
	}
	var own fieldErrors
	c := in.validate(prefix, &own)
	cc[in] = customerCheck{c, own}
	*fe = append(*fe, own...)
	return c
}
