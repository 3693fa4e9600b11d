package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/locale"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// codePurposeContact guards changes to where reminders go.
const codePurposeContact = "contact"

// settingsTimezones are offered in the timezone list, with the payer's own.
var settingsTimezones = []string{
	"UTC", "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
	"America/Anchorage", "Pacific/Honolulu", "America/Toronto", "America/Vancouver", "America/Mexico_City",
	"America/Bogota", "America/Sao_Paulo", "America/Argentina/Buenos_Aires", "Europe/London", "Europe/Dublin",
	"Europe/Lisbon", "Europe/Madrid", "Europe/Paris", "Europe/Brussels", "Europe/Amsterdam", "Europe/Berlin",
	"Europe/Zurich", "Europe/Rome", "Europe/Vienna", "Europe/Copenhagen", "Europe/Oslo", "Europe/Stockholm",
	"Europe/Warsaw", "Europe/Helsinki", "Europe/Athens", "Europe/Istanbul", "Africa/Lagos", "Africa/Cairo",
	"Africa/Johannesburg", "Africa/Nairobi", "Asia/Dubai", "Asia/Kolkata", "Asia/Jakarta", "Asia/Singapore",
	"Asia/Hong_Kong", "Asia/Shanghai", "Asia/Manila", "Asia/Seoul", "Asia/Tokyo", "Australia/Perth",
	"Australia/Brisbane", "Australia/Sydney", "Australia/Melbourne", "Pacific/Auckland",
}

type settingsOption struct {
	Value, Label string
	Selected     bool
}

// settingsForm is the schedule and channels form as typed.
type settingsForm struct {
	Timezone, Cadence, Weekday, RunDays string
	Locale                              string // how days are written: locale.Supported
	Hour, Minute, MinIntervalDays       string
	Email, SMS, Urgent                  bool
}

// contactAdd is the add-a-contact form as typed.
type contactAdd struct{ Kind, Value, Role string }

type contactRow struct {
	ID                int64
	Kind, Value, Role string
	Error             string
}

type phoneRow struct {
	Phone   string
	Allowed bool // the payer has not turned SMS off for it
	Note    string
}

type settingsData struct {
	Form settingsForm
	// Rhythm says when the weekly rhythm sends: "Tuesday at 09:00".
	Rhythm              string
	RhythmLearned       bool
	Timezones, Weekdays []settingsOption
	Locales             []settingsOption
	Phones              []phoneRow
	Contacts            []contactRow
	Add                 contactAdd
	Errors              map[string]string
	Unsubscribed        bool
	ContactsOpen        bool
	Mutes               []payers.MutedVendor
	PausedUntil         string
	CalendarSince       string // when the calendar link was made; "" when none
}

// settingsState is what a failed form leaves to show again.
type settingsState struct {
	form      *settingsForm // nil: the stored preferences
	add       contactAdd
	contactID int64 // the contact whose form failed
	errs      []vendors.FieldError
}

// settingsPage answers GET /portal/settings.
func (s *Server) settingsPage(c *gin.Context) {
	s.renderSettings(c, http.StatusOK, settingsState{})
}

// saveSettings answers POST /portal/settings: schedule, channels and the
// SMS consent of each phone number.
func (s *Server) saveSettings(c *gin.Context) {
	ctx, payer := c.Request.Context(), payerID(c)
	bad := checkForm(c)
	form := settingsForm{Timezone: strings.TrimSpace(c.PostForm("timezone")), Cadence: c.PostForm("cadence"),
		Locale:  strings.TrimSpace(c.PostForm("locale")),
		Weekday: c.PostForm("weekday"), RunDays: strings.TrimSpace(c.PostForm("run_days")),
		Hour: strings.TrimSpace(c.PostForm("hour")), Minute: strings.TrimSpace(c.PostForm("minute")),
		MinIntervalDays: strings.TrimSpace(c.PostForm("min_interval")),
		Email:           c.PostForm("email") == "on", SMS: c.PostForm("sms") == "on", Urgent: c.PostForm("urgent") == "on"}
	if bad != nil {
		s.settingsFailed(c, settingsState{form: &form}, bad)
		return
	}
	prefs, err := form.preferences()
	if err != nil {
		s.settingsFailed(c, settingsState{form: &form}, err)
		return
	}
	if err := s.payers.UpdatePreferences(ctx, payer, prefs); err != nil {
		s.settingsFailed(c, settingsState{form: &form}, err)
		return
	}
	allowed := c.PostFormArray("sms_ok")
	for _, phone := range c.PostFormArray("phone") {
		if err := s.payers.SetSMSConsent(ctx, payer, phone, slices.Contains(allowed, phone), "payer portal"); err != nil {
			s.settingsFailed(c, settingsState{form: &form}, err)
			return
		}
	}
	seeOther(c, "/portal/settings?done=settings")
}

// preferences reads the form and checks the schedule with the bundler's
// rules, which decide when digests go out.
func (f settingsForm) preferences() (payers.Preferences, error) {
	var fe []vendors.FieldError
	bad := func(field, msg string) { fe = append(fe, vendors.FieldError{Field: field, Message: msg}) }
	number := func(field, raw string) int {
		n, err := strconv.Atoi(raw)
		if err != nil {
			bad(field, "must be a whole number")
		}
		return n
	}
	loc, err := time.LoadLocation(f.Timezone)
	if err != nil || f.Timezone == "" || f.Timezone == "Local" {
		bad("timezone", "must be a timezone like Europe/Paris or America/New_York")
	}
	p := payers.Preferences{Timezone: f.Timezone, Cadence: f.Cadence, Weekday: number("weekday", f.Weekday),
		SendHour: number("hour", f.Hour), SendMinute: number("minute", f.Minute),
		EmailEnabled: f.Email, SMSEnabled: f.SMS, UrgentEnabled: f.Urgent, Locale: f.Locale}
	if f.Locale != "" && !locale.Valid(f.Locale) {
		bad("locale", "must be one of the date formats offered")
	}
	// Bounded before multiplying, so that no huge number wraps into range.
	p.MinIntervalHours = min(max(number("min_interval", f.MinIntervalDays), -1), 1000) * 24
	if (p.Weekday < 0 || p.Weekday > 6) && p.Cadence != string(bundler.CadenceWeekly) {
		// Only the weekly cadence reads the day (and checks it): keep the default.
		p.Weekday = int(time.Monday)
	}
	for _, d := range strings.FieldsFunc(f.RunDays, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		n, err := strconv.Atoi(d)
		if err != nil {
			if f.Cadence == string(bundler.CadencePaymentRun) {
				bad("run_days", "must be days of the month separated by commas, like 1, 15")
			}
			p.RunDays = nil
			break
		}
		p.RunDays = append(p.RunDays, n)
	}
	// The schedule is checked even when something else was unreadable, so
	// that the payer learns everything to correct at once.
	sched := bundler.Schedule{Location: loc, Cadence: bundler.Cadence(p.Cadence), Weekday: time.Weekday(p.Weekday),
		RunDays: p.RunDays, Hour: p.SendHour, Minute: p.SendMinute, MinInterval: time.Duration(p.MinIntervalHours) * time.Hour}
	var ve *vendors.ValidationError
	if err := sched.Validate(); errors.As(err, &ve) {
		fe = append(fe, ve.Fields...)
	} else if err != nil {
		return payers.Preferences{}, err
	}
	if len(fe) > 0 {
		return payers.Preferences{}, &vendors.ValidationError{Fields: fe}
	}
	return p, nil
}

// sendContactCode answers POST /portal/settings/code: it emails the
// one-time code that adding or changing a contact needs.
func (s *Server) sendContactCode(c *gin.Context) {
	if err := s.sendCode(c.Request.Context(), payerID(c), codePurposeContact); err != nil {
		s.fail(c, err)
		return
	}
	seeOther(c, "/portal/settings?done=code#contacts")
}

// errContactCode is a wrong, used or expired code on a contact form.
var errContactCode = vendors.Invalid("code", "is wrong, expired or already used: ask for a new code and try again")

// addContact answers POST /portal/settings/contacts. The input is checked
// before the code is spent, so a typo does not cost the payer a new code.
func (s *Server) addContact(c *gin.Context) {
	ctx, payer := c.Request.Context(), payerID(c)
	bad := checkForm(c)
	add := contactAdd{Kind: c.PostForm("kind"), Value: strings.TrimSpace(c.PostForm("value")), Role: c.PostForm("role")}
	state := settingsState{add: add}
	if bad != nil {
		s.settingsFailed(c, state, bad)
		return
	}
	contact, err := payers.NormalizeContact(add.Kind, add.Value, add.Role)
	if err != nil {
		s.settingsFailed(c, state, err)
		return
	}
	existing, err := s.payers.Contacts(ctx, payer)
	if err != nil {
		s.fail(c, err)
		return
	}
	for _, e := range existing {
		if e.Kind == contact.Kind && e.Value == contact.Value {
			s.settingsFailed(c, state, vendors.Invalid("value", "is already one of your contacts"))
			return
		}
	}
	if s.payers.UseCode(ctx, payer, codePurposeContact, strings.TrimSpace(c.PostForm("code"))) != nil {
		s.settingsFailed(c, state, errContactCode)
		return
	}
	if _, err := s.payers.AddContact(ctx, payer, add.Kind, add.Value, add.Role); err != nil {
		s.settingsFailed(c, state, err)
		return
	}
	seeOther(c, "/portal/settings?done=settings#contacts")
}

// changeContact answers POST /portal/settings/contacts/:id: action=role
// with a new role, or action=remove.
func (s *Server) changeContact(c *gin.Context) {
	ctx, payer := c.Request.Context(), payerID(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.portalNotFound(c)
		return
	}
	role := "" // removal
	if c.PostForm("action") != "remove" {
		// A role change without a role is refused by the rules, not
		// taken for a removal.
		role = firstNonEmpty(c.PostForm("role"), "none")
	}
	state := settingsState{contactID: id}
	if err := checkForm(c); err != nil {
		s.settingsFailed(c, state, err)
		return
	}
	if err := s.payers.CheckContactChange(ctx, payer, id, role); err != nil {
		s.settingsFailed(c, state, err)
		return
	}
	if s.payers.UseCode(ctx, payer, codePurposeContact, strings.TrimSpace(c.PostForm("code"))) != nil {
		s.settingsFailed(c, state, errContactCode)
		return
	}
	if role == "" {
		err = s.payers.RemoveContact(ctx, payer, id)
	} else {
		err = s.payers.SetContactRole(ctx, payer, id, role)
	}
	if err != nil {
		s.settingsFailed(c, state, err)
		return
	}
	seeOther(c, "/portal/settings?done=settings#contacts")
}

// unsubscribeAll answers POST /portal/settings/unsubscribe: no more
// digests on any channel, until the payer turns one back on.
func (s *Server) unsubscribeAll(c *gin.Context) {
	if err := s.payers.UnsubscribeAll(c.Request.Context(), payerID(c)); err != nil {
		s.fail(c, err)
		return
	}
	seeOther(c, "/portal/settings?done=settings")
}

func (s *Server) settingsFailed(c *gin.Context, state settingsState, err error) {
	s.formFailed(c, err, func(ve *vendors.ValidationError) {
		state.errs = ve.Fields
		s.renderSettings(c, http.StatusUnprocessableEntity, state)
	})
}

// settingsLabels name the fields in error messages.
var settingsLabels = map[string]string{
	"timezone": "Timezone", "locale": "Date format", "cadence": "How often", "weekday": "Day of the week", "run_days": "Payment-run days",
	"hour": "Send time (hour)", "minute": "Send time (minute)", "min_interval": "Minimum time between reminders",
	"kind": "Contact type", "value": "Address or number", "role": "Role", "code": "Code", "contact": "Contact",
	"phone": "Phone number",
}

var weekdayNames = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

// renderSettings shows the settings page, with what a failed form left.
func (s *Server) renderSettings(c *gin.Context, status int, state settingsState) {
	ctx, payer := c.Request.Context(), payerID(c)
	p, err := s.payers.Get(ctx, payer)
	if err != nil {
		s.fail(c, err)
		return
	}
	contacts, err := s.payers.Contacts(ctx, payer)
	if err != nil {
		s.fail(c, err)
		return
	}
	phones, err := s.payers.PhoneConsents(ctx, payer)
	if err != nil {
		s.fail(c, err)
		return
	}
	form := storedSettings(p)
	if state.form != nil {
		form = *state.form
	}
	d := settingsData{Form: form, Add: state.add, Errors: map[string]string{},
		Unsubscribed: !p.EmailEnabled && !p.SMSEnabled, PausedUntil: pausedUntil(p, s.now())}
	day, hour := bundler.RhythmWeekday, bundler.DefaultHour
	if p.RhythmWeekday != nil && p.RhythmHour != nil {
		day, hour, d.RhythmLearned = time.Weekday(*p.RhythmWeekday), *p.RhythmHour, true
	}
	d.Rhythm = fmt.Sprintf("%s at %02d:00", day, hour)
	if d.Mutes, err = s.payers.Mutes(ctx, payer); err != nil {
		s.fail(c, err)
		return
	}
	since, err := s.payers.CalendarSince(ctx, payer)
	if err != nil {
		s.fail(c, err)
		return
	}
	if since != nil {
		d.CalendarSince = portalDay(c, civil.Of(since.In(p.Location())))
	}
	if d.Add.Kind == "" {
		d.Add = contactAdd{Kind: "email", Role: payers.RoleCC}
	}
	zones := settingsTimezones
	if _, err := time.LoadLocation(form.Timezone); err == nil && form.Timezone != "" && !slices.Contains(zones, form.Timezone) {
		zones = append([]string{form.Timezone}, zones...)
	}
	for _, z := range zones {
		d.Timezones = append(d.Timezones, settingsOption{Value: z, Label: strings.ReplaceAll(z, "_", " "), Selected: z == form.Timezone})
	}
	// Each choice shows itself: "English (US) — Dec 1, 2026", with today.
	sample := civil.Of(s.now().In(p.Location()))
	for _, o := range locale.Supported {
		d.Locales = append(d.Locales, settingsOption{Value: o.Code, Label: o.Name + " — " + locale.Day(o.Code, sample),
			Selected: o.Code == form.Locale || form.Locale == "" && o.Code == locale.Default})
	}
	for i, name := range weekdayNames {
		v := strconv.Itoa(i)
		d.Weekdays = append(d.Weekdays, settingsOption{Value: v, Label: name, Selected: v == form.Weekday})
	}
	for _, pc := range phones {
		row := phoneRow{Phone: pc.Phone, Allowed: !pc.OptedOut}
		switch {
		case pc.Suppressed == payers.SuppressSMSStop:
			row.Note = "You replied STOP from this phone. Text START to the number our reminders came from to receive them again."
		case pc.Suppressed != "":
			row.Note = "This number cannot receive our text messages."
		case !pc.VendorConsent:
			row.Note = "No vendor has recorded your consent to text messages at this number, so we do not text it. Your vendor can record it."
		}
		d.Phones = append(d.Phones, row)
	}
	var msgs []string
	for _, ct := range contacts {
		row := contactRow{ID: ct.ID, Kind: ct.Kind, Value: ct.Value, Role: ct.Role}
		if ct.ID == state.contactID {
			for _, f := range state.errs {
				row.Error = strings.TrimSpace(row.Error + " " + firstNonEmpty(settingsLabels[f.Field], f.Field) + " " + f.Message + ".")
			}
		}
		d.Contacts = append(d.Contacts, row)
	}
	seen := map[string]bool{}
	for _, f := range state.errs {
		// One message per field: "run_days[1]" is the run_days input.
		field, _, _ := strings.Cut(f.Field, "[")
		if seen[field] {
			continue
		}
		seen[field] = true
		msg := f.Message
		if field == "min_interval" && !strings.Contains(msg, "whole number") && !textMessage(msg) {
			msg = "must be between 0 and 31 days, and at most 1 day with daily reminders"
		}
		if state.contactID == 0 {
			d.Errors[field] = msg
		}
		msgs = append(msgs, firstNonEmpty(settingsLabels[field], field)+": "+msg+".")
	}
	var summary string
	if len(msgs) > 0 {
		summary = "Nothing was changed. " + strings.Join(msgs, " ")
	}
	s.renderPortal(c, status, "settings", portalPage{Title: "Settings", Error: summary, Data: d})
}

// storedSettings is the form as the payer's stored preferences fill it.
func storedSettings(p payers.Payer) settingsForm {
	return settingsForm{Timezone: p.TimezoneName(), Cadence: firstNonEmpty(p.Cadence, string(bundler.CadenceRhythm)),
		Weekday: strconv.Itoa(p.Weekday), RunDays: strings.ReplaceAll(p.RunDays, ",", ", "),
		Hour: strconv.Itoa(p.SendHour), Minute: strconv.Itoa(p.SendMinute),
		MinIntervalDays: strconv.Itoa((p.MinIntervalHours + 23) / 24), Email: p.EmailEnabled, SMS: p.SMSEnabled,
		Urgent: p.UrgentEnabled, Locale: p.Locale}
}
