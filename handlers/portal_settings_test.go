package handlers

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

const settingsPath = "/portal/settings"

// settingsFields is a valid settings form: weekly on Thursday at 08:30 in
// Paris, email only.
func settingsFields(edit func(url.Values)) url.Values {
	v := url.Values{"timezone": {"Europe/Paris"}, "cadence": {"weekly"}, "weekday": {"4"}, "run_days": {""},
		"hour": {"8"}, "minute": {"30"}, "min_interval": {"3"}, "email": {"on"}}
	if edit != nil {
		edit(v)
	}
	return v
}

var settingsCodeSubject = regexp.MustCompile(`^Your duehub code: ([0-9]{6})$`)

// contactCode presses "Email me a code" on the settings page and returns
// the code from the outbox.
func (b *browser) contactCode() string {
	b.h.t.Helper()
	r := b.post(settingsPath+"/code", nil, settingsPath)
	if r.status != http.StatusSeeOther || r.location != settingsPath+"?done=code#contacts" {
		b.h.t.Fatalf("ask for a code: %d → %q\n%s", r.status, r.location, r.body)
	}
	m := settingsCodeSubject.FindStringSubmatch(b.h.messages()[0].Subject)
	if m == nil {
		b.h.t.Fatalf("the newest email is not a code: %q", b.h.messages()[0].Subject)
	}
	return m[1]
}

func (h *portalHub) contacts(payerID int64) []payers.Contact {
	h.t.Helper()
	cs, err := h.payers.Contacts(context.Background(), payerID)
	if err != nil {
		h.t.Fatal(err)
	}
	return cs
}

func TestPortalSettingsSchedule(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		h := newPortalHub(t, db)
		h.invoice(h.vendor("Northwind"), "N-1", "ap@acme.example", 1000, "2026-11-20")
		payer := h.payerID("ap@acme.example")
		b := h.signIn("ap@acme.example")

		r := b.get(settingsPath)
		if r.status != 200 || !strings.Contains(r.body, `<option value="UTC" selected>`) || !strings.Contains(r.body, `value="rhythm" style="width:auto;margin-top:.35rem" checked`) {
			t.Fatalf("settings page: %d\n%s", r.status, r.body)
		}
		// The weekly rhythm is the default, on Tuesday at 09:00 until it is
		// learned; "due now" messages are on until the payer opts out.
		for _, want := range []string{"Now Tuesday at 09:00 your time", `id="urgent" name="urgent" value="on" style="width:auto;margin-top:.35rem" checked`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("the first settings page lacks %s", want)
			}
		}
		r = b.post(settingsPath, settingsFields(nil), settingsPath)
		if r.status != http.StatusSeeOther || r.location != settingsPath+"?done=settings" {
			t.Fatalf("save: %d → %q\n%s", r.status, r.location, r.body)
		}
		p, _ := h.payers.Get(ctx, payer)
		if p.Timezone != "Europe/Paris" || p.Cadence != "weekly" || p.Weekday != 4 || p.SendHour != 8 || p.SendMinute != 30 ||
			p.MinIntervalHours != 72 || !p.EmailEnabled || p.SMSEnabled || p.UrgentEnabled {
			t.Fatalf("stored %+v (the form opted out of due-now messages)", p)
		}
		r = b.get(r.location)
		for _, want := range []string{"Your settings were saved.", `<option value="Europe/Paris" selected>`, `<option value="4" selected>Thursday`, `name="minute" type="number" min="0" max="59" value="30"`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("the saved page lacks %s", want)
			}
		}

		cases := []struct {
			name, errorID string
			edit          func(url.Values)
		}{
			{"unknown timezone", "timezone-error", func(v url.Values) { v.Set("timezone", "Mars/Olympus") }},
			{"run day 32", "run_days-error", func(v url.Values) { v.Set("cadence", "payment_run"); v.Set("run_days", "1, 32") }},
			{"no run day", "run_days-error", func(v url.Values) { v.Set("cadence", "payment_run") }},
			{"hour 25", "hour-error", func(v url.Values) { v.Set("hour", "25") }},
			{"minute 60", "minute-error", func(v url.Values) { v.Set("minute", "60") }},
			{"daily every 3 days", "min_interval-error", func(v url.Values) { v.Set("cadence", "daily") }},
			{"unknown cadence", "cadence-error", func(v url.Values) { v.Set("cadence", "hourly") }},
		}
		for _, c := range cases {
			r := b.post(settingsPath, settingsFields(c.edit), settingsPath)
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="`+c.errorID+`"`) {
				t.Errorf("%s: %d, want 422 naming %s\n%s", c.name, r.status, c.errorID, r.body)
			}
		}
		r = b.post(settingsPath, settingsFields(func(v url.Values) { v.Set("timezone", "Mars/Olympus"); v.Set("hour", "25") }), settingsPath)
		if !strings.Contains(r.body, `id="timezone-error"`) || !strings.Contains(r.body, `id="hour-error"`) || strings.Contains(r.body, "Mars/Olympus</option>") {
			t.Errorf("two mistakes are not both named at once:\n%s", r.body)
		}
		if after, _ := h.payers.Get(ctx, payer); after.Timezone != "Europe/Paris" || after.Cadence != "weekly" || after.SendHour != 8 {
			t.Errorf("a refused form changed the settings: %+v", after)
		}

		r = b.post(settingsPath, settingsFields(func(v url.Values) {
			v.Set("cadence", "payment_run")
			v.Set("run_days", "1, 15 31")
		}), settingsPath)
		if p, _ := h.payers.Get(ctx, payer); r.status != http.StatusSeeOther || p.RunDays != "1,15,31" {
			t.Errorf("payment runs: %d, stored %q", r.status, p.RunDays)
		}
	})
}

func TestPortalSettingsContacts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		h := newPortalHub(t, db)
		north := h.vendor("Northwind")
		h.invoice(north, "N-1", "ap@acme.example", 1000, "2026-11-20")
		h.invoice(north, "N-9", "ap@other.example", 1000, "2026-11-20")
		acme, other := h.payerID("ap@acme.example"), h.payerID("ap@other.example")
		b := h.signIn("ap@acme.example")
		add := func(value, role, code string) url.Values {
			return url.Values{"kind": {"email"}, "value": {value}, "role": {role}, "code": {code}}
		}

		r := b.post(settingsPath+"/contacts", add("approver@acme.example", "cc", ""), settingsPath)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="code-error"`) || len(h.contacts(acme)) != 1 {
			t.Fatalf("adding without a code: %d, contacts %+v", r.status, h.contacts(acme))
		}
		code := b.contactCode()
		if to := h.messages()[0].To; !slices.Equal(to, []string{"ap@acme.example"}) {
			t.Errorf("the code went to %v", to)
		}
		// A typo is refused before the code is spent.
		r = b.post(settingsPath+"/contacts", add("approver at acme", "cc", code), settingsPath)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="value-error"`) || !strings.Contains(r.body, `value="approver at acme"`) {
			t.Fatalf("a bad address: %d\n%s", r.status, r.body)
		}
		r = b.post(settingsPath+"/contacts", add("Approver@Acme.example", "cc", code), settingsPath)
		if r.status != http.StatusSeeOther {
			t.Fatalf("adding with the emailed code: %d\n%s", r.status, r.body)
		}
		rcpt, _ := h.payers.Recipients(ctx, acme)
		if !slices.Equal(rcpt.To, []string{"ap@acme.example"}) || !slices.Equal(rcpt.CC, []string{"approver@acme.example"}) {
			t.Fatalf("recipients %+v", rcpt)
		}
		if r := b.post(settingsPath+"/contacts", add("boss@acme.example", "bcc", code), settingsPath); r.status != http.StatusUnprocessableEntity {
			t.Errorf("a code used twice: %d", r.status)
		}

		cs := h.contacts(acme)
		inbox, approver := cs[0], cs[1]
		if inbox.Value != "ap@acme.example" || approver.Value != "approver@acme.example" {
			t.Fatalf("contacts %+v", cs)
		}
		code = b.contactCode()
		r = b.post(settingsPath+"/contacts/"+itoa(inbox.ID), url.Values{"action": {"remove"}, "code": {code}}, settingsPath)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="contact-`+itoa(inbox.ID)+`-error"`) || len(h.contacts(acme)) != 2 {
			t.Fatalf("removing the last To address: %d\n%s", r.status, r.body)
		}
		r = b.post(settingsPath+"/contacts/"+itoa(inbox.ID), url.Values{"action": {"role"}, "role": {"bcc"}, "code": {code}}, settingsPath)
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("demoting the last To address: %d", r.status)
		}

		// Payer Y cannot touch payer X's contact, even with a good code of its own.
		y := h.signIn("ap@other.example")
		yCode := y.contactCode()
		for _, fields := range []url.Values{{"action": {"remove"}, "code": {yCode}}, {"action": {"role"}, "role": {"to"}, "code": {yCode}}} {
			if r := y.post(settingsPath+"/contacts/"+itoa(approver.ID), fields, settingsPath); r.status != http.StatusNotFound {
				t.Errorf("payer Y changing payer X's contact: %d", r.status)
			}
		}
		if cs := h.contacts(acme); len(cs) != 2 || cs[1].Role != "cc" {
			t.Fatalf("payer Y changed payer X's contacts: %+v", cs)
		}
		if len(h.contacts(other)) != 1 {
			t.Fatalf("payer Y's contacts changed")
		}

		// The refused removal did not spend the code: it still makes the
		// approver a To address, after which the old inbox may go.
		r = b.post(settingsPath+"/contacts/"+itoa(approver.ID), url.Values{"action": {"role"}, "role": {"to"}, "code": {code}}, settingsPath)
		if r.status != http.StatusSeeOther {
			t.Fatalf("role change: %d\n%s", r.status, r.body)
		}
		r = b.post(settingsPath+"/contacts/"+itoa(inbox.ID), url.Values{"action": {"remove"}, "code": {b.contactCode()}}, settingsPath)
		if r.status != http.StatusSeeOther {
			t.Fatalf("removal: %d\n%s", r.status, r.body)
		}
		if rcpt, _ := h.payers.Recipients(ctx, acme); !slices.Equal(rcpt.To, []string{"approver@acme.example"}) || len(rcpt.CC) != 0 {
			t.Errorf("recipients after the changes: %+v", rcpt)
		}
	})
}

func TestPortalUnsubscribeAllAndSMSConsent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		h := newPortalHub(t, db)
		north := h.vendor("Northwind")
		amount := int64(1000)
		_, err := h.vendors.PushInvoices(ctx, north, []vendors.InvoiceInput{{ExternalID: "N-1", Number: "N-1", Currency: "USD",
			AmountDue: &amount, DueDate: "2026-11-20", Customer: vendors.CustomerInput{ExternalID: "C-1", Email: "ap@acme.example",
				Phone: "+15551230000", SMSConsent: true, SMSConsentSource: "signed order form"}}})
		if err != nil {
			t.Fatal(err)
		}
		h.invoice(north, "N-9", "ap@other.example", 1000, "2026-11-20")
		payer := h.payerID("ap@acme.example")
		b := h.signIn("ap@acme.example")
		texted := func() []string {
			rcpt, err := h.payers.Recipients(ctx, payer)
			if err != nil {
				t.Fatal(err)
			}
			return rcpt.SMS
		}

		r := b.get(settingsPath)
		smsTicked := regexp.MustCompile(`name="sms_ok" value="(\+|&#43;)15551230000"[^>]*checked`)
		if !smsTicked.MatchString(r.body) || len(texted()) != 1 {
			t.Fatalf("the number is not shown as texted:\n%s", r.body)
		}
		// Unticking the number withdraws its consent.
		r = b.post(settingsPath, settingsFields(func(v url.Values) { v.Set("sms", "on"); v.Set("phone", "+15551230000") }), settingsPath)
		if r.status != http.StatusSeeOther || len(texted()) != 0 {
			t.Fatalf("withdrawing consent: %d, texted %v", r.status, texted())
		}
		if r := b.get(settingsPath); smsTicked.MatchString(r.body) {
			t.Error("the withdrawn number is still ticked")
		}
		if p, _ := h.payers.Get(ctx, payer); !p.SMSEnabled {
			t.Error("the SMS channel should stay on: only the number was withdrawn")
		}
		r = b.post(settingsPath, settingsFields(func(v url.Values) {
			v.Set("sms", "on")
			v.Set("phone", "+15551230000")
			v.Set("sms_ok", "+15551230000")
		}), settingsPath)
		if r.status != http.StatusSeeOther || len(texted()) != 1 {
			t.Fatalf("giving consent back: %d, texted %v", r.status, texted())
		}
		if r := b.post(settingsPath, settingsFields(func(v url.Values) { v.Set("phone", "+15559990000") }), settingsPath); r.status != http.StatusNotFound {
			t.Errorf("another payer's number: %d", r.status)
		}

		r = b.post(settingsPath+"/unsubscribe", nil, settingsPath)
		if r.status != http.StatusSeeOther {
			t.Fatalf("unsubscribe: %d", r.status)
		}
		if p, _ := h.payers.Get(ctx, payer); p.EmailEnabled || p.SMSEnabled {
			t.Fatalf("still subscribed: email %v, sms %v", p.EmailEnabled, p.SMSEnabled)
		}
		if r := b.get(r.location); !strings.Contains(r.body, "You are unsubscribed from all reminders") {
			t.Error("the settings page does not say the payer is unsubscribed")
		}
	})
}
