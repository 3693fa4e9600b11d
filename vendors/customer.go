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

// CustomerInput is a customer as a vendor pushes it, inside an invoice or a credit.
type CustomerInput struct {
	ExternalID       string
	Name             string
	Email            string
	Phone            string
	SMSConsent       bool
	SMSConsentSource string
}

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

func (in CustomerInput) validate(prefix string, fe *fieldErrors) Customer {
	c := Customer{
		ExternalID:       in.ExternalID,
		Name:             strings.TrimSpace(in.Name),
		SMSConsent:       in.SMSConsent,
		SMSConsentSource: strings.TrimSpace(in.SMSConsentSource),
	}
	checkExternalID(prefix+"external_id", in.ExternalID, fe)
	if len([]rune(c.Name)) > 200 {
		fe.add(prefix+"name", "must be at most 200 characters")
	}
	hasContact := false
	if strings.TrimSpace(in.Email) != "" {
		email, err := NormalizeEmail(in.Email)
		if err != nil {
			fe.add(prefix+"email", err.Error())
		} else {
			c.Email, hasContact = email, true
		}
	}
	if strings.TrimSpace(in.Phone) != "" {
		phone, err := NormalizePhone(in.Phone)
		if err != nil {
			fe.add(prefix+"phone", err.Error())
		} else {
			c.Phone, hasContact = phone, true
		}
	}
	if !hasContact && in.Email == "" && in.Phone == "" {
		fe.add(prefix+"email", "a customer needs a valid email or a valid phone")
	}
	if c.SMSConsent && c.Phone == "" {
		fe.add(prefix+"sms_consent", "consent needs a phone number")
	}
	if len(c.SMSConsentSource) > 200 {
		fe.add(prefix+"sms_consent_source", "must be at most 200 characters")
	}
	return c
}

func (c Customer) sameAs(o Customer) bool {
	return c.Name == o.Name && c.Email == o.Email && c.Phone == o.Phone &&
		c.SMSConsent == o.SMSConsent && c.SMSConsentSource == o.SMSConsentSource
}
