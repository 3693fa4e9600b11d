package bundler

import (
	"fmt"
	"slices"
	"time"

	"github.com/duehub/duehub/civil"
)

// Cadence is how a payer wants its digests spaced.
type Cadence string

const (
	// CadenceRhythm, the default, sends at most one regular digest a week,
	// on the payer's own weekday and hour (learned from when it acts, else
	// RhythmWeekday at DefaultHour), when something triggered.
	CadenceRhythm Cadence = "rhythm"
	// CadenceSmart ("twice weekly") sends at the next weekday window after
	// something triggers, at most one digest every MinInterval (72 h).
	CadenceSmart Cadence = "smart"
	// CadenceWeekly sends on one chosen weekday, when something triggered.
	CadenceWeekly Cadence = "weekly"
	// CadenceDaily sends every weekday window while anything is remindable.
	CadenceDaily Cadence = "daily"
	// CadencePaymentRun sends on the payer's payment-run days of the month,
	// when something triggered.
	CadencePaymentRun Cadence = "payment_run"
)

// EveryWindow reports whether the cadence sends at every window while the
// payer has anything remindable, rather than only after a new reminder point.
func (c Cadence) EveryWindow() bool { return c == CadenceDaily }

// Schedule is when a payer may receive digests.
type Schedule struct {
	// Location is the payer's timezone; nil means UTC.
	Location *time.Location
	// Cadence picks the window days; "" means rhythm.
	Cadence Cadence
	// Weekday is the window day of the weekly and rhythm cadences.
	Weekday time.Weekday
	// RunDays are the days of the month (1..31) of the payment_run cadence; a
	// day past the end of a month means that month's last day.
	RunDays []int
	// Hour and Minute are the local time of the window.
	Hour, Minute int
	// MinInterval is the least time between two digests' slots, read on
	// the payer's clock (Friday 09:00 to Monday 09:00 is 72 h across DST).
	MinInterval time.Duration
}

// Defaults of a payer that has not chosen a schedule, and has not acted
// often enough for its rhythm to be learned: Tuesday 09:00 local.
const (
	DefaultHour    = 9
	RhythmWeekday  = time.Tuesday
	RhythmInterval = 6 * 24 * time.Hour
	// DefaultMinInterval is the spacing of the twice-weekly (smart) cadence.
	DefaultMinInterval = 72 * time.Hour
	// MaxMinInterval keeps a monthly payment run reachable.
	MaxMinInterval = 31 * 24 * time.Hour
)

// windowSearchDays bounds the search for a window: the widest gap between
// two windows is between two payment runs on one day of the month (31 days),
// plus a month-end clamp.
const windowSearchDays = 62

// DefaultSchedule is the schedule of a payer that has not chosen one and
// whose rhythm is not learned yet: Tuesdays at 09:00 in loc.
func DefaultSchedule(loc *time.Location) Schedule {
	return RhythmSchedule(loc, RhythmWeekday, DefaultHour)
}

// RhythmSchedule is the payer's rhythm: one window a week, on day at
// hour:00 in loc. The minimum interval of 6 days keeps a payer whose
// learned day moves earlier from getting two digests in one week.
func RhythmSchedule(loc *time.Location, day time.Weekday, hour int) Schedule {
	return Schedule{Location: orUTC(loc), Cadence: CadenceRhythm, Weekday: day, Hour: hour, MinInterval: RhythmInterval}
}

// TwiceWeekly is the smart cadence: weekdays at 09:00 in loc, at most one
// digest every 3 days.
func TwiceWeekly(loc *time.Location) Schedule {
	return Schedule{Location: orUTC(loc), Cadence: CadenceSmart, Hour: DefaultHour, MinInterval: DefaultMinInterval}
}

// Validate returns nil or a *vendors.ValidationError naming each field ("cadence",
// "weekday", "run_days", "run_days[1]", "hour", "minute", "min_interval").
func (s Schedule) Validate() error {
	var errs fieldErrors
	add := func(field, format string, args ...any) {
		errs.add(field, fmt.Sprintf(format, args...))
	}
	switch s.cadence() {
	case CadenceSmart, CadenceDaily:
	case CadenceWeekly, CadenceRhythm:
		if s.Weekday < time.Sunday || s.Weekday > time.Saturday {
			add("weekday", "must be a day of the week")
		}
	case CadencePaymentRun:
		if len(s.RunDays) == 0 {
			add("run_days", "at least one day of the month is required")
		}
		for i, d := range s.RunDays {
			if d < 1 || d > 31 {
				add(fmt.Sprintf("run_days[%d]", i), "must be a day of the month between 1 and 31")
			} else if j := slices.Index(s.RunDays, d); j < i {
				add(fmt.Sprintf("run_days[%d]", i), "duplicates run_days[%d]", j)
			}
		}
	default:
		add("cadence", "must be one of rhythm, smart, weekly, daily, payment_run")
	}
	if s.Hour < 0 || s.Hour > 23 {
		add("hour", "must be between 0 and 23")
	}
	if s.Minute < 0 || s.Minute > 59 {
		add("minute", "must be between 0 and 59")
	}
	switch {
	case s.MinInterval < 0 || s.MinInterval > MaxMinInterval:
		add("min_interval", "must be between 0 and %s", MaxMinInterval)
	case s.cadence() == CadenceDaily && s.MinInterval > 24*time.Hour:
		// Otherwise "daily" would silently mean "every few days".
		add("min_interval", "must be at most 24h for the daily cadence")
	}
	return errs.orNil()
}

// CurrentWindow returns the latest window at or before now, in UTC. It is
// false only for a schedule with no window days, which Validate rejects.
func (s Schedule) CurrentWindow(now time.Time) (time.Time, bool) {
	today := civil.Of(now.In(s.loc()))
	for i := range windowSearchDays {
		d := today.AddDays(-i)
		if !s.isWindowDay(d) {
			continue
		}
		if w := s.window(d); !w.After(now) {
			return w.UTC(), true
		}
	}
	return time.Time{}, false
}

// NextWindow returns the first window strictly after now, in UTC. It is false
// only for a schedule with no window days, which Validate rejects.
func (s Schedule) NextWindow(now time.Time) (time.Time, bool) {
	today := civil.Of(now.In(s.loc()))
	for i := range windowSearchDays {
		d := today.AddDays(i)
		if !s.isWindowDay(d) {
			continue
		}
		if w := s.window(d); w.After(now) {
			return w.UTC(), true
		}
	}
	return time.Time{}, false
}

// NextSend returns the first window after now at which a regular digest
// may go out, given the slot of the previous one (prev, zero if none):
// windows too soon after it (MinInterval, as Decide measures it) are passed
// over, as when a payer's learned day moves earlier in the week. Whether a
// digest goes out then depends on what is new by then (reasonDay). False
// only for a schedule with no window days.
func (s Schedule) NextSend(prev, now time.Time) (time.Time, bool) {
	w, ok := s.NextWindow(now)
	for range windowSearchDays {
		if !ok || prev.IsZero() || wallSince(w, prev, s.loc()) >= s.MinInterval {
			break
		}
		w, ok = s.NextWindow(w)
	}
	return w, ok
}

// LocalDate is the payer-local calendar day of t, or the zero Date for a zero
// t (which civil.Of would turn into 0001-01-01).
func (s Schedule) LocalDate(t time.Time) civil.Date {
	if t.IsZero() {
		return civil.Date{}
	}
	return civil.Of(t.In(s.loc()))
}

func (s Schedule) window(d civil.Date) time.Time {
	return wallClock(d, s.Hour, s.Minute, s.loc())
}

func (s Schedule) isWindowDay(d civil.Date) bool {
	wd := d.In(time.UTC).Weekday()
	switch s.cadence() {
	case CadenceSmart, CadenceDaily:
		return wd != time.Saturday && wd != time.Sunday
	case CadenceWeekly, CadenceRhythm:
		return wd == s.Weekday
	case CadencePaymentRun:
		last := lastDayOfMonth(d)
		for _, r := range s.RunDays {
			if min(r, last) == d.Day && r >= 1 {
				return true
			}
		}
	}
	return false
}

func lastDayOfMonth(d civil.Date) int {
	return time.Date(d.Year, d.Month+1, 0, 12, 0, 0, 0, time.UTC).Day()
}

func (s Schedule) loc() *time.Location { return orUTC(s.Location) }

func (s Schedule) cadence() Cadence {
	if s.Cadence == "" {
		return CadenceRhythm
	}
	return s.Cadence
}

// LeadDays is how many days before its due date an invoice asks to be
// listed, whatever its vendor's policy: the longest gap between two of the
// schedule's windows, so that a regular digest falls in those days.
func (s Schedule) LeadDays() int {
	if s.cadence() == CadencePaymentRun {
		return 31
	}
	return 7
}
