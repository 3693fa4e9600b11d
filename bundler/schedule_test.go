package bundler

import (
	"errors"
	"github.com/duehub/duehub/vendors"
	"slices"
	"testing"
	"time"
)

func TestScheduleValidate(t *testing.T) {
	def := TwiceWeekly(nil)
	with := func(f func(*Schedule)) Schedule { s := def; f(&s); return s }
	cases := []struct {
		name     string
		schedule Schedule
		fields   []string // nil: valid
	}{
		{"default", def, nil},
		{"zero value is smart at midnight UTC", Schedule{}, nil},
		{"weekly sunday", with(func(s *Schedule) { s.Cadence, s.Weekday = CadenceWeekly, time.Sunday }), nil},
		{"weekly day out of range", with(func(s *Schedule) { s.Cadence, s.Weekday = CadenceWeekly, 7 }), []string{"weekday"}},
		{"daily with 24h", with(func(s *Schedule) { s.Cadence, s.MinInterval = CadenceDaily, 24*time.Hour }), nil},
		{"daily with the 72h default would not be daily", with(func(s *Schedule) { s.Cadence = CadenceDaily }), []string{"min_interval"}},
		{"payment run", with(func(s *Schedule) { s.Cadence, s.RunDays = CadencePaymentRun, []int{1, 15, 31} }), nil},
		{"payment run without days", with(func(s *Schedule) { s.Cadence = CadencePaymentRun }), []string{"run_days"}},
		{"payment run day 0 and 32", with(func(s *Schedule) { s.Cadence, s.RunDays = CadencePaymentRun, []int{0, 15, 32} }),
			[]string{"run_days[0]", "run_days[2]"}},
		{"payment run duplicate", with(func(s *Schedule) { s.Cadence, s.RunDays = CadencePaymentRun, []int{15, 15} }), []string{"run_days[1]"}},
		{"unknown cadence", with(func(s *Schedule) { s.Cadence = "hourly" }), []string{"cadence"}},
		{"hour 24", with(func(s *Schedule) { s.Hour = 24 }), []string{"hour"}},
		{"minute 60", with(func(s *Schedule) { s.Minute = 60 }), []string{"minute"}},
		{"negative interval", with(func(s *Schedule) { s.MinInterval = -time.Hour }), []string{"min_interval"}},
		{"interval over a month", with(func(s *Schedule) { s.MinInterval = 32 * 24 * time.Hour }), []string{"min_interval"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.schedule.Validate()
			if c.fields == nil {
				if err != nil {
					t.Fatalf("valid schedule refused: %v", err)
				}
				return
			}
			var fe *vendors.ValidationError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a ValidationError", err)
			}
			var got []string
			for _, e := range fe.Fields {
				got = append(got, e.Field)
			}
			if !slices.Equal(got, c.fields) {
				t.Fatalf("fields = %v, want %v (%v)", got, c.fields, err)
			}
		})
	}
}

func TestWindows(t *testing.T) {
	ny, london := zone(t, "America/New_York"), zone(t, "Europe/London")
	tokyo, la := zone(t, "Asia/Tokyo"), zone(t, "America/Los_Angeles")
	smart := func(loc *time.Location) Schedule { return TwiceWeekly(loc) }
	weekly := func(loc *time.Location, wd time.Weekday, h, m int) Schedule {
		s := TwiceWeekly(loc)
		s.Cadence, s.Weekday, s.Hour, s.Minute = CadenceWeekly, wd, h, m
		return s
	}
	run := func(days ...int) Schedule {
		s := TwiceWeekly(nil)
		s.Cadence, s.RunDays = CadencePaymentRun, days
		return s
	}
	daily := TwiceWeekly(nil)
	daily.Cadence, daily.MinInterval = CadenceDaily, 24*time.Hour

	cases := []struct {
		name          string
		schedule      Schedule
		now           string
		current, next string
	}{
		// smart: weekdays at 09:00 local
		{"midweek after the window", smart(nil), "2026-03-11T10:00:00Z", "2026-03-11T09:00:00Z", "2026-03-12T09:00:00Z"},
		{"exactly at the window it is current", smart(nil), "2026-03-11T09:00:00Z", "2026-03-11T09:00:00Z", "2026-03-12T09:00:00Z"},
		{"a minute before: yesterday's is current", smart(nil), "2026-03-11T08:59:00Z", "2026-03-10T09:00:00Z", "2026-03-11T09:00:00Z"},
		{"saturday: friday's, then monday's", smart(nil), "2026-03-14T12:00:00Z", "2026-03-13T09:00:00Z", "2026-03-16T09:00:00Z"},
		{"monday before 09:00: friday's", smart(nil), "2026-03-16T08:00:00Z", "2026-03-13T09:00:00Z", "2026-03-16T09:00:00Z"},
		{"daily has the same weekday windows", daily, "2026-03-14T12:00:00Z", "2026-03-13T09:00:00Z", "2026-03-16T09:00:00Z"},
		{"custom time 16:45", func() Schedule { s := smart(nil); s.Hour, s.Minute = 16, 45; return s }(),
			"2026-03-11T17:00:00Z", "2026-03-11T16:45:00Z", "2026-03-12T16:45:00Z"},

		// weekly: the chosen day only, weekends included
		{"weekly thursday seen on monday", weekly(nil, time.Thursday, 9, 0), "2026-03-16T12:00:00Z", "2026-03-12T09:00:00Z", "2026-03-19T09:00:00Z"},
		{"weekly sunday", weekly(nil, time.Sunday, 9, 0), "2026-03-15T09:30:00Z", "2026-03-15T09:00:00Z", "2026-03-22T09:00:00Z"},

		// payment_run: days of the month, past the month end meaning the last day
		{"run days 15 and 31 in february", run(15, 31), "2026-02-20T12:00:00Z", "2026-02-15T09:00:00Z", "2026-02-28T09:00:00Z"},
		{"31 is february 29 in a leap year", run(31), "2028-02-10T12:00:00Z", "2028-01-31T09:00:00Z", "2028-02-29T09:00:00Z"},
		{"31 is april 30", run(31), "2026-04-30T10:00:00Z", "2026-04-30T09:00:00Z", "2026-05-31T09:00:00Z"},
		{"29, 30 and 31 make one february window", run(29, 30, 31), "2026-02-28T09:00:00Z", "2026-02-28T09:00:00Z", "2026-03-29T09:00:00Z"},
		{"run day on a saturday is kept", run(14), "2026-03-14T09:00:00Z", "2026-03-14T09:00:00Z", "2026-04-14T09:00:00Z"},

		// time zones: the window and its weekday are payer-local
		{"tokyo monday 09:00 is sunday in UTC", smart(tokyo), "2026-03-09T09:30:00+09:00", "2026-03-09T00:00:00Z", "2026-03-10T00:00:00Z"},
		{"tokyo saturday", smart(tokyo), "2026-03-14T08:00:00+09:00", "2026-03-13T00:00:00Z", "2026-03-16T00:00:00Z"},
		{"los angeles friday evening is saturday in UTC", smart(la), "2026-03-06T19:00:00-08:00", "2026-03-06T17:00:00Z", "2026-03-09T16:00:00Z"},
		{"london summer time", smart(london), "2026-06-10T09:30:00+01:00", "2026-06-10T08:00:00Z", "2026-06-11T08:00:00Z"},

		// DST: 09:00 stays 09:00 local across a change
		{"new york 09:00 before and after spring forward", smart(ny), "2026-03-09T09:30:00-04:00", "2026-03-09T13:00:00Z", "2026-03-10T13:00:00Z"},
		{"new york friday before spring forward", smart(ny), "2026-03-08T12:00:00-04:00", "2026-03-06T14:00:00Z", "2026-03-09T13:00:00Z"},
		{"new york fall back", smart(ny), "2026-11-01T12:00:00-05:00", "2026-10-30T13:00:00Z", "2026-11-02T14:00:00Z"},
		{"london spring forward", smart(london), "2026-03-28T12:00:00Z", "2026-03-27T09:00:00Z", "2026-03-30T08:00:00Z"},
		{"london fall back", smart(london), "2026-10-25T12:00:00Z", "2026-10-23T08:00:00Z", "2026-10-26T09:00:00Z"},

		// DST: a skipped time moves to the end of the gap, a repeated one is taken once, first
		{"new york 02:30 skipped: 03:00 EDT", weekly(ny, time.Sunday, 2, 30), "2026-03-08T12:00:00-04:00", "2026-03-08T03:00:00-04:00", "2026-03-15T02:30:00-04:00"},
		{"new york skipped window seen from before", weekly(ny, time.Sunday, 2, 30), "2026-03-08T01:59:00-05:00", "2026-03-01T02:30:00-05:00", "2026-03-08T03:00:00-04:00"},
		{"new york 01:30 twice: first, EDT", weekly(ny, time.Sunday, 1, 30), "2026-11-01T01:45:00-04:00", "2026-11-01T01:30:00-04:00", "2026-11-08T01:30:00-05:00"},
		{"new york 01:30 the second time is not a new window", weekly(ny, time.Sunday, 1, 30), "2026-11-01T01:30:00-05:00", "2026-11-01T01:30:00-04:00", "2026-11-08T01:30:00-05:00"},
		{"london 01:30 skipped: 02:00 BST", weekly(london, time.Sunday, 1, 30), "2026-03-29T12:00:00+01:00", "2026-03-29T02:00:00+01:00", "2026-04-05T01:30:00+01:00"},
		{"london 01:30 twice: first, BST", weekly(london, time.Sunday, 1, 30), "2026-10-25T01:10:00Z", "2026-10-25T01:30:00+01:00", "2026-11-01T01:30:00Z"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			now := instant(t, c.now)
			cur, ok := c.schedule.CurrentWindow(now)
			if !ok || !cur.Equal(instant(t, c.current)) {
				t.Errorf("current window %s %v, want %s", cur, ok, c.current)
			}
			if cur.Location() != time.UTC {
				t.Errorf("current window %s is not in UTC: slots are compared as ledger keys", cur)
			}
			next, ok := c.schedule.NextWindow(now)
			if !ok || !next.Equal(instant(t, c.next)) {
				t.Errorf("next window %s %v, want %s", next, ok, c.next)
			}
		})
	}
}

func TestNoWindowForInvalidSchedule(t *testing.T) {
	s := Schedule{Cadence: CadencePaymentRun}
	now := instant(t, "2026-03-11T10:00:00Z")
	if w, ok := s.CurrentWindow(now); ok {
		t.Fatalf("payment run without days has window %s", w)
	}
	if w, ok := s.NextWindow(now); ok {
		t.Fatalf("payment run without days has next window %s", w)
	}
}

func TestLocalDate(t *testing.T) {
	s := TwiceWeekly(zone(t, "America/Los_Angeles"))
	if d := s.LocalDate(time.Time{}); !d.IsZero() {
		t.Fatalf("no previous digest became %s: every old reminder point would be lost", d)
	}
	if d := s.LocalDate(instant(t, "2026-03-07T03:00:00Z")); d.String() != "2026-03-06" {
		t.Fatalf("local date %s, want 2026-03-06", d)
	}
}

// TestNextSend: the next window a regular digest may go out at passes over
// windows within the minimum interval of the previous digest: a payer
// whose learned day moved from Tuesday to Thursday, sent on Tuesday, is
// next written to on the Thursday of the week after, not two days later.
func TestNextSend(t *testing.T) {
	ny := zone(t, "America/New_York")
	for _, c := range []struct {
		name      string
		sched     Schedule
		prev, now string
		want      string
	}{
		{"no digest yet", RhythmSchedule(ny, time.Thursday, 9), "", "2026-11-17T10:00:00-05:00", "2026-11-19T09:00:00-05:00"},
		{"learned day moved earlier", RhythmSchedule(ny, time.Thursday, 9), "2026-11-17T09:00:00-05:00", "2026-11-17T10:00:00-05:00", "2026-11-26T09:00:00-05:00"},
		{"same day a week on", DefaultSchedule(ny), "2026-11-17T09:00:00-05:00", "2026-11-17T10:00:00-05:00", "2026-11-24T09:00:00-05:00"},
		{"twice a week: 72 h", TwiceWeekly(ny), "2026-11-17T09:00:00-05:00", "2026-11-17T10:00:00-05:00", "2026-11-20T09:00:00-05:00"},
	} {
		prev := time.Time{}
		if c.prev != "" {
			prev = instant(t, c.prev)
		}
		got, ok := c.sched.NextSend(prev, instant(t, c.now))
		if !ok || !got.Equal(instant(t, c.want)) {
			t.Errorf("%s: %s %v, want %s", c.name, got.In(ny), ok, c.want)
		}
	}
}
