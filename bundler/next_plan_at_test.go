package bundler

import (
	"testing"
	"time"
)

// TestNextPlanAt: the instant a payer is decided again is the first of the
// instants at which the decision reads the clock differently, and never
// more than PlanRecheck ahead (less the payer's stagger).
func TestNextPlanAt(t *testing.T) {
	ny, santiago := zone(t, "America/New_York"), zone(t, "America/Santiago")
	weekly := TwiceWeekly(ny)
	weekly.Cadence, weekly.Weekday = CadenceWeekly, time.Monday
	at := func(s string) *time.Time { v := instant(t, s); return &v }
	cases := []struct {
		name   string
		now    string
		sched  Schedule
		payer  int64
		paused *time.Time
		holds  []string
		sms    bool
		urgent bool
		want   string
	}{
		{name: "nothing sooner: the recheck", now: "2026-11-23T10:00:00-05:00", sched: TwiceWeekly(ny), payer: 15,
			want: "2026-11-23T11:00:00-05:00"},
		{name: "the recheck is staggered by payer", now: "2026-11-23T10:00:00-05:00", sched: TwiceWeekly(ny), payer: 7,
			want: "2026-11-23T10:53:00-05:00"},
		{name: "the next window", now: "2026-11-23T08:45:00-05:00", sched: TwiceWeekly(ny), payer: 15,
			want: "2026-11-23T09:00:00-05:00"},
		{name: "payer-local midnight", now: "2026-11-23T23:30:00-05:00", sched: TwiceWeekly(ny), payer: 15,
			want: "2026-11-24T00:00:00-05:00"},
		{name: "midnight that does not exist: the first instant of the day", now: "2026-09-05T23:30:00-04:00",
			sched: TwiceWeekly(santiago), payer: 15, want: "2026-09-06T01:00:00-03:00"},
		{name: "the current slot goes stale", now: "2026-11-24T08:30:00-05:00", sched: weekly, payer: 15,
			want: "2026-11-24T09:00:00-05:00"},
		{name: "a pause ends", now: "2026-11-23T10:00:00-05:00", sched: TwiceWeekly(ny), payer: 15,
			paused: at("2026-11-23T10:20:00-05:00"), want: "2026-11-23T10:20:00-05:00"},
		{name: "a pause that ended is no instant", now: "2026-11-23T10:00:00-05:00", sched: TwiceWeekly(ny), payer: 15,
			paused: at("2026-11-23T09:20:00-05:00"), want: "2026-11-23T11:00:00-05:00"},
		{name: "the first hold to end", now: "2026-11-23T10:00:00-05:00", sched: TwiceWeekly(ny), payer: 15,
			holds: []string{"2026-11-23T10:40:00-05:00", "2026-11-23T10:10:00-05:00"}, want: "2026-11-23T10:10:00-05:00"},
		{name: "SMS quiet hours begin", now: "2026-11-23T20:40:00-05:00", sched: TwiceWeekly(ny), payer: 15, sms: true,
			want: "2026-11-23T21:00:00-05:00"},
		{name: "SMS quiet hours end", now: "2026-11-23T07:30:00-05:00", sched: TwiceWeekly(ny), payer: 15, sms: true,
			want: "2026-11-23T08:00:00-05:00"},
		{name: "due-now messages: the send time of a day without a window", now: "2026-11-26T08:30:00-05:00",
			sched: DefaultSchedule(ny), payer: 15, urgent: true, want: "2026-11-26T09:00:00-05:00"},
		{name: "without due-now messages that day has no instant", now: "2026-11-26T08:30:00-05:00",
			sched: DefaultSchedule(ny), payer: 15, want: "2026-11-26T09:30:00-05:00"},
		{name: "quiet hours do not matter without SMS", now: "2026-11-23T20:40:00-05:00", sched: TwiceWeekly(ny), payer: 15,
			want: "2026-11-23T21:40:00-05:00"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var holds []time.Time
			for _, h := range c.holds {
				holds = append(holds, instant(t, h))
			}
			got := nextPlanAt(instant(t, c.now), c.sched, c.payer, c.paused, holds, c.sms, c.urgent, DefaultStaleAfter)
			if want := instant(t, c.want); !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("next plan at %s, want %s (UTC)", got, want)
			}
		})
	}
}
