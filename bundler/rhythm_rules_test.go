package bundler

import (
	"testing"
	"time"
)

// TestRhythmDecide: the rhythm's window is the payer's weekday and hour
// on its own clock, on both sides of a DST change, and one a week.
func TestRhythmDecide(t *testing.T) {
	ny := zone(t, "America/New_York")
	tue := DefaultSchedule(ny)
	thu := RhythmSchedule(ny, time.Thursday, 14)
	cases := []struct {
		name   string
		sched  Schedule
		prev   string
		trig   string
		now    string
		slot   string
		reason string
	}{
		{"Tuesday 09:00 EDT", tue, "", "2026-10-20", "2026-10-27T09:00:10-04:00", "2026-10-27T09:00:00-04:00", ""},
		{"Tuesday 09:00 EST, after the fall-back", tue, "2026-10-27T09:00:00-04:00", "2026-11-01",
			"2026-11-03T09:00:10-05:00", "2026-11-03T09:00:00-05:00", ""},
		{"Tuesday 09:00 EDT, after spring-forward", tue, "2027-03-09T09:00:00-05:00", "2027-03-15",
			"2027-03-16T09:01:00-04:00", "2027-03-16T09:00:00-04:00", ""},
		{"not on a Monday, however much triggered", tue, "2026-10-27T09:00:00-04:00", "2026-10-28",
			"2026-11-02T09:00:00-05:00", "2026-10-27T09:00:00-04:00", ReasonAlreadySent},
		{"nothing new since last week: skipped", tue, "2026-10-27T09:00:00-04:00", "",
			"2026-11-03T09:00:00-05:00", "2026-11-03T09:00:00-05:00", ReasonNotTriggered},
		{"the learned day and hour", thu, "", "2026-10-20", "2026-10-22T14:00:00-04:00", "2026-10-22T14:00:00-04:00", ""},
		{"learned day moved earlier: no second digest that week", thu, "2026-10-20T09:00:00-04:00", "2026-10-21",
			"2026-10-22T14:00:00-04:00", "2026-10-22T14:00:00-04:00", ReasonMinInterval},
		{"catch-up: ten days down, the latest window only", tue, "2026-10-13T09:00:00-04:00", "2026-10-14",
			"2026-10-27T15:00:00-04:00", "2026-10-27T09:00:00-04:00", ""},
		{"catch-up: past the stale limit, nothing", tue, "2026-10-13T09:00:00-04:00", "2026-10-14",
			"2026-10-28T10:00:00-04:00", "2026-10-27T09:00:00-04:00", ReasonSlotExpired},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := DueInput{Schedule: c.sched, PreviousSlot: instant(t, c.prev), TriggeredOn: date(t, c.trig), Remindable: true}
			d := Decide(instant(t, c.now), in)
			if d.Reason != c.reason || !d.Slot.Equal(instant(t, c.slot)) {
				t.Fatalf("Decide = %+v, want slot %s reason %q", d, c.slot, c.reason)
			}
		})
	}
}

// TestCoveragePoint: whatever the vendor's policy, an invoice asks to be
// listed a lead before its due date and the day after it, and no earlier
// than the day the hub first saw it; each only until a message listed it
// so.
func TestCoveragePoint(t *testing.T) {
	due := date(t, "2026-11-20")
	told := mentioned{before: true}
	for _, c := range []struct {
		entered, after, want string
		m                    mentioned
	}{
		{"2026-11-01", "", "2026-11-13", mentioned{}},
		{"2026-11-01", "", "2026-11-21", told},                                             // listed as upcoming already
		{"2026-11-01", "2026-11-12", "", mentioned{before: true, overdue: due.AddDays(2)}}, // listed both ways
		{"2026-11-01", "2026-11-12", "2026-11-13", mentioned{}},
		{"2026-11-01", "2026-11-13", "2026-11-21", mentioned{}},
		{"2026-11-01", "2026-11-20", "2026-11-21", mentioned{}},
		{"2026-11-01", "2026-11-21", "", mentioned{}},
		{"2026-11-16", "2026-11-10", "2026-11-16", mentioned{}}, // pushed late: announced the day it arrives
		{"2026-12-01", "2026-11-24", "2026-12-01", mentioned{}}, // pushed overdue
		{"2026-12-01", "2026-12-01", "", mentioned{}},
	} {
		got, ok := coveragePoint(due, date(t, c.entered), date(t, c.after), 7, c.m)
		if want := date(t, c.want); ok != !want.IsZero() || got != want {
			t.Errorf("entered %s, after %q: %s %v, want %q", c.entered, c.after, got, ok, c.want)
		}
	}
	if (Schedule{Cadence: CadencePaymentRun}).LeadDays() != 31 || DefaultSchedule(nil).LeadDays() != 7 {
		t.Error("lead days: a payment run must be announced a month ahead, a weekly digest a week")
	}
}

// TestMentionPoint: a vendor's points are reasons to write only when they
// are news. With the default policy (-7, 0, +3, +7, then every 7 days) an
// invoice due on Friday 20 November, first seen on 1 November: its points
// before the due date are no reason once a digest listed it as upcoming
// (the due date is),
// and once the payer was told it is overdue its later points wait until
// OverdueQuiet days after that; the coverage points stand in for a policy
// that says nothing at those times.
func TestMentionPoint(t *testing.T) {
	due := date(t, "2026-11-20")
	entered := date(t, "2026-11-01")
	told := func(before bool, overdue string) mentioned {
		return mentioned{before: before, overdue: date(t, overdue)}
	}
	sparse := Policy{Offsets: []int{-3, 14}, RepeatDays: 30}
	for _, c := range []struct {
		name  string
		pol   Policy
		after string
		m     mentioned
		want  string
	}{
		{"first point", DefaultPolicy(), "", mentioned{}, "2026-11-13"},
		{"the due date, not yet announced", DefaultPolicy(), "2026-11-13", mentioned{}, "2026-11-20"},
		{"announced: the due date stays news", DefaultPolicy(), "2026-11-14", told(true, ""), "2026-11-20"},
		{"overdue, told on the 24th: +7 waits two weeks", DefaultPolicy(), "2026-11-24", told(true, "2026-11-24"), "2026-12-08"},
		{"overdue, told long ago: the next repeat", DefaultPolicy(), "2026-12-15", told(true, "2026-12-01"), "2026-12-18"},
		{"a sparse policy: coverage a week ahead", sparse, "", mentioned{}, "2026-11-13"},
		{"a sparse policy, announced: its -3 is old news, coverage the day after", sparse, "2026-11-14", told(true, ""), "2026-11-21"},
		{"a sparse policy, told overdue: its +14", sparse, "2026-11-24", told(true, "2026-11-24"), "2026-12-08"},
		{"a sparse policy, told on the 1st: its first repeat", sparse, "2026-12-08", told(true, "2026-12-01"), "2027-01-03"},
	} {
		got, ok := mentionPoint(c.pol, due, entered, date(t, c.after), 7, c.m)
		if want := date(t, c.want); ok != !want.IsZero() || got != want {
			t.Errorf("%s: %s %v, want %s", c.name, got, ok, c.want)
		}
	}
}

func TestDecideUrgent(t *testing.T) {
	ny := zone(t, "America/New_York")
	base := UrgentInput{Schedule: DefaultSchedule(ny), PreviousSlot: instant(t, "2026-11-10T09:00:00-05:00"), Unannounced: true}
	with := func(edit func(*UrgentInput)) UrgentInput { in := base; edit(&in); return in }
	daily := TwiceWeekly(ny)
	daily.Cadence, daily.MinInterval = CadenceDaily, 0
	cases := []struct {
		name string
		in   UrgentInput
		now  string
		slot string // "": none
	}{
		{"Thursday at the payer's hour", base, "2026-11-12T09:05:00-05:00", "2026-11-12T09:00:00-05:00"},
		{"not before the hour", base, "2026-11-12T08:55:00-05:00", ""},
		{"not on the regular day", base, "2026-11-17T09:05:00-05:00", ""},
		{"not the day after the regular digest", base, "2026-11-11T08:59:00-05:00", ""},
		{"nothing unannounced", with(func(in *UrgentInput) { in.Unannounced = false }), "2026-11-12T09:05:00-05:00", ""},
		{"one a week", with(func(in *UrgentInput) { in.PreviousUrgent = instant(t, "2026-11-06T09:00:00-05:00") }),
			"2026-11-12T09:05:00-05:00", ""},
		{"a week after the last one", with(func(in *UrgentInput) { in.PreviousUrgent = instant(t, "2026-11-05T09:00:00-05:00") }),
			"2026-11-12T09:05:00-05:00", "2026-11-12T09:00:00-05:00"},
		{"the payer acted yesterday", with(func(in *UrgentInput) { in.LastAction = instant(t, "2026-11-11T15:00:00-05:00") }),
			"2026-11-12T09:05:00-05:00", ""},
		{"no regular digest yet", with(func(in *UrgentInput) { in.PreviousSlot = time.Time{} }), "2026-11-12T09:05:00-05:00", ""},
		{"a daily payer hears daily anyway", with(func(in *UrgentInput) { in.Schedule = daily }), "2026-11-12T09:05:00-05:00", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			slot, ok := DecideUrgent(instant(t, c.now), c.in)
			if want := instant(t, c.slot); ok != (c.slot != "") || !slot.Equal(want) {
				t.Fatalf("DecideUrgent = %s %v, want %q", slot, ok, c.slot)
			}
		})
	}
}
