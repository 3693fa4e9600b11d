package payers_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

func prefsErrField(err error) string {
	var ve *vendors.ValidationError
	if errors.As(err, &ve) {
		return ve.Fields[0].Field
	}
	return ""
}

func TestUpdatePreferences(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		n := newPayNet(t, db)
		n.push(n.vendor("Northwind"), "N-1", "USD", 100, vendors.CustomerInput{Email: "ap@acme.example"})
		payer := n.payer("ap@acme.example")
		want := payers.Preferences{Timezone: "Europe/Paris", Cadence: "payment_run", Weekday: 4, RunDays: []int{1, 15, 31},
			SendHour: 8, SendMinute: 30, MinIntervalHours: 48, EmailEnabled: true, SMSEnabled: false}
		if err := n.payers.UpdatePreferences(ctx, payer, want); err != nil {
			t.Fatal(err)
		}
		p, _ := n.payers.Get(ctx, payer)
		if p.Timezone != "Europe/Paris" || p.Cadence != "payment_run" || p.Weekday != 4 || p.RunDays != "1,15,31" ||
			p.SendHour != 8 || p.SendMinute != 30 || p.MinIntervalHours != 48 || !p.EmailEnabled || p.SMSEnabled {
			t.Fatalf("stored %+v", p)
		}
		for _, tz := range []string{"Mars/Olympus", "", "Local", "../etc/passwd"} {
			bad := want
			bad.Timezone = tz
			if err := n.payers.UpdatePreferences(ctx, payer, bad); prefsErrField(err) != "timezone" {
				t.Errorf("timezone %q: %v", tz, err)
			}
		}
		if err := n.payers.UpdatePreferences(ctx, payer+100, want); !errors.Is(err, payers.ErrNotFound) {
			t.Errorf("missing payer: %v", err)
		}
		if err := n.payers.UnsubscribeAll(ctx, payer); err != nil {
			t.Fatal(err)
		}
		if p, _ := n.payers.Get(ctx, payer); p.EmailEnabled || p.SMSEnabled || p.Timezone != "Europe/Paris" {
			t.Errorf("after unsubscribing from all: %+v", p)
		}
	})
}

func TestContacts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		n := newPayNet(t, db)
		north := n.vendor("Northwind")
		n.push(north, "N-1", "USD", 100, vendors.CustomerInput{Email: "ap@acme.example"})
		n.push(north, "N-2", "USD", 100, vendors.CustomerInput{Email: "ap@other.example"})
		acme, other := n.payer("ap@acme.example"), n.payer("ap@other.example")

		cc, err := n.payers.AddContact(ctx, acme, "email", "  Approver@Acme.Example ", "cc")
		if err != nil || cc.Value != "approver@acme.example" {
			t.Fatalf("add cc: %+v %v", cc, err)
		}
		if _, err := n.payers.AddContact(ctx, acme, "email", "approver@acme.example", "bcc"); prefsErrField(err) != "value" {
			t.Errorf("duplicate: %v", err)
		}
		for _, c := range [][3]string{{"email", "not an address", "cc"}, {"phone", "555-1234", "to"}, {"fax", "1", "to"}, {"email", "x@acme.example", "boss"}} {
			if _, err := n.payers.AddContact(ctx, acme, c[0], c[1], c[2]); prefsErrField(err) == "" {
				t.Errorf("add %v: %v", c, err)
			}
		}
		phone, err := n.payers.AddContact(ctx, acme, "phone", "+44 7700 900123", "cc")
		if err != nil || phone.Value != "+447700900123" || phone.Role != "to" {
			t.Errorf("add phone: %+v %v", phone, err)
		}
		r, _ := n.payers.Recipients(ctx, acme)
		if !slices.Equal(r.To, []string{"ap@acme.example"}) || !slices.Equal(r.CC, []string{"approver@acme.example"}) {
			t.Errorf("recipients %+v", r)
		}

		contacts, _ := n.payers.Contacts(ctx, acme)
		inbox := contacts[0]
		if inbox.Value != "ap@acme.example" || inbox.Role != "to" {
			t.Fatalf("contacts %+v", contacts)
		}
		if err := n.payers.RemoveContact(ctx, acme, inbox.ID); prefsErrField(err) != "contact" {
			t.Errorf("removing the only To address: %v", err)
		}
		if err := n.payers.SetContactRole(ctx, acme, inbox.ID, "cc"); prefsErrField(err) != "contact" {
			t.Errorf("demoting the only To address: %v", err)
		}
		if err := n.payers.SetContactRole(ctx, acme, phone.ID, "bcc"); prefsErrField(err) != "role" {
			t.Errorf("a phone as bcc: %v", err)
		}
		// Payer "other" cannot touch acme's contacts, whatever it knows of their ids.
		if err := n.payers.RemoveContact(ctx, other, cc.ID); !errors.Is(err, payers.ErrNotFound) {
			t.Errorf("another payer's removal: %v", err)
		}
		if err := n.payers.SetContactRole(ctx, other, cc.ID, "to"); !errors.Is(err, payers.ErrNotFound) {
			t.Errorf("another payer's role change: %v", err)
		}
		if err := n.payers.SetContactRole(ctx, acme, cc.ID, "to"); err != nil {
			t.Fatal(err)
		}
		if err := n.payers.RemoveContact(ctx, acme, inbox.ID); err != nil {
			t.Fatalf("removing one of two To addresses: %v", err)
		}
		r, _ = n.payers.Recipients(ctx, acme)
		if !slices.Equal(r.To, []string{"approver@acme.example"}) || len(r.CC) != 0 {
			t.Errorf("recipients after the changes: %+v", r)
		}
	})
}

// TestSMSConsent: vendors record consent; the payer can withdraw it for a
// number, durably, and take back only its own withdrawal.
func TestSMSConsent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		n := newPayNet(t, db)
		north := n.vendor("Northwind")
		withConsent := vendors.CustomerInput{ExternalID: "C-1", Email: "ap@acme.example", Phone: "+15551230000",
			SMSConsent: true, SMSConsentSource: "signed order form"}
		n.push(north, "N-1", "USD", 100, withConsent)
		n.push(north, "N-9", "USD", 100, vendors.CustomerInput{Email: "ap@other.example", Phone: "+15559990000"})
		acme, other := n.payer("ap@acme.example"), n.payer("ap@other.example")
		texted := func() []string {
			r, err := n.payers.Recipients(ctx, acme)
			if err != nil {
				t.Fatal(err)
			}
			return r.SMS
		}
		if got := texted(); !slices.Equal(got, []string{"+15551230000"}) {
			t.Fatalf("texted before: %v", got)
		}
		pcs, _ := n.payers.PhoneConsents(ctx, acme)
		if len(pcs) != 1 || !pcs[0].VendorConsent || !pcs[0].Texted() {
			t.Fatalf("phone consents %+v", pcs)
		}

		if err := n.payers.SetSMSConsent(ctx, acme, "+1 555 123 0000", false, "payer portal"); err != nil {
			t.Fatal(err)
		}
		if got := texted(); len(got) != 0 {
			t.Fatalf("still texted after withdrawing consent: %v", got)
		}
		// The vendor pushing its record again (consent true) does not undo it.
		n.push(north, "N-2", "USD", 100, withConsent)
		if got := texted(); len(got) != 0 {
			t.Fatalf("a vendor push brought SMS back: %v", got)
		}
		if pcs, _ := n.payers.PhoneConsents(ctx, acme); !pcs[0].OptedOut || pcs[0].Texted() {
			t.Errorf("phone consents after opting out %+v", pcs)
		}
		if err := n.payers.SetSMSConsent(ctx, other, "+15551230000", true, "payer portal"); !errors.Is(err, payers.ErrNotFound) {
			t.Errorf("another payer's number: %v", err)
		}
		if err := n.payers.SetSMSConsent(ctx, acme, "+15551230000", true, "payer portal"); err != nil {
			t.Fatal(err)
		}
		if got := texted(); len(got) != 1 {
			t.Fatalf("not texted after turning consent back on: %v", got)
		}

		// A STOP is the carrier's word: the portal does not lift it.
		if err := n.payers.Suppress(ctx, "sms", "+15551230000", payers.SuppressSMSStop, "replied STOP"); err != nil {
			t.Fatal(err)
		}
		n.payers.SetSMSConsent(ctx, acme, "+15551230000", true, "payer portal")
		if got := texted(); len(got) != 0 {
			t.Fatalf("the portal lifted a STOP: %v", got)
		}
		if pcs, _ := n.payers.PhoneConsents(ctx, acme); pcs[0].Suppressed != payers.SuppressSMSStop {
			t.Errorf("phone consents after STOP %+v", pcs)
		}
		// The portal never grants consent no vendor recorded.
		n.payers.SetSMSConsent(ctx, other, "+15559990000", true, "payer portal")
		if r, _ := n.payers.Recipients(ctx, other); len(r.SMS) != 0 {
			t.Errorf("consent granted by the portal: %v", r.SMS)
		}
	})
}

func TestAPhoneNumberStaysWithOnePayer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		n := newPayNet(t, db)
		north := n.vendor("Northwind")
		n.push(north, "N-1", "USD", 100, vendors.CustomerInput{Email: "ap@acme.example", Phone: "+15551230000"})
		n.push(north, "N-2", "USD", 100, vendors.CustomerInput{Email: "ap@other.example"})
		acme, other := n.payer("ap@acme.example"), n.payer("ap@other.example")
		_, err := n.payers.AddContact(ctx, other, "phone", "+1 555 123 0000", "to")
		var ve *vendors.ValidationError
		if !errors.As(err, &ve) || ve.Fields[0].Field != "value" || ve.Fields[0].Message == "is already one of your contacts" {
			t.Fatalf("adding another payer's number: %v", err)
		}
		if _, err := n.payers.AddContact(ctx, acme, "phone", "+15551230000", "to"); prefsErrField(err) != "value" {
			t.Fatalf("adding its own number again: %v", err)
		}
		var holders []int64
		db.Gorm.Table("payer_contacts").Where("kind = 'phone' AND value = ?", "+15551230000").Pluck("payer_id", &holders)
		if !slices.Equal(holders, []int64{acme}) {
			t.Fatalf("the number is held by %v", holders)
		}
	})
}
