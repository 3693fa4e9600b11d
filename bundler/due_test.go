package bundler

import (
	"slices"
	"testing"
	"time"

	"github.com/duehub/duehub/civil"
)

func TestDecide(t *testing.T) {
	ny, tokyo, la := zone(t, "America/New_York"), zone(t, "Asia/Tokyo"), zone(t, "America/Los_Angeles")
	// The base payer: default schedule in New York, last digest the
	// previous Monday, an invoice reminder point on Monday 2026-06-08.
	base := DueInput{
		Schedule:     TwiceWeekly(ny),
		PreviousSlot: instant(t, "2026-06-01T09:00:00-04:00"),
		TriggeredOn:  date(t, "2026-06-08"),
		Remindable:   true,
	}
	with := func(edits ...func(*DueInput)) DueInput {
		in := base
		for _, edit := range edits {
			edit(&in)
		}
		return in
	}
	daily, mondays, monthEnd := TwiceWeekly(ny), TwiceWeekly(ny), TwiceWeekly(ny)
	daily.Cadence, daily.MinInterval = CadenceDaily, 24*time.Hour
	mondays.Cadence, mondays.Weekday = CadenceWeekly, time.Monday
	monthEnd.Cadence, monthEnd.RunDays = CadencePaymentRun, []int{31}
	cases := []struct {
		name   string
		in     DueInput
		now    string
		slot   string // "" : no slot
		reason string // "" : sent
	}{
		{"triggered payer at its window", base, "2026-06-08T09:00:30-04:00", "2026-06-08T09:00:00-04:00", ""},
		{"first digest ever for a long overdue invoice",
			with(func(in *DueInput) { in.PreviousSlot, in.TriggeredOn = time.Time{}, date(t, "2025-01-01") }),
			"2026-06-08T09:00:00-04:00", "2026-06-08T09:00:00-04:00", ""},
		{"nothing triggered", with(func(in *DueInput) { in.TriggeredOn = civil.Date{} }),
			"2026-06-08T09:00:00-04:00", "2026-06-08T09:00:00-04:00", ReasonNotTriggered},
		{"triggered today: not at 00:05 for yesterday's window",
			with(func(in *DueInput) { in.TriggeredOn = date(t, "2026-06-09") }),
			"2026-06-09T00:05:00-04:00", "2026-06-08T09:00:00-04:00", ReasonNoWindowYet},
		{"triggered today: at today's window",
			with(func(in *DueInput) { in.TriggeredOn = date(t, "2026-06-09") }),
			"2026-06-09T09:00:00-04:00", "2026-06-09T09:00:00-04:00", ""},

		// never twice
		{"re-running the slot just sent", with(func(in *DueInput) { in.PreviousSlot = instant(t, "2026-06-08T09:00:00-04:00") }),
			"2026-06-08T09:05:00-04:00", "2026-06-08T09:00:00-04:00", ReasonAlreadySent},
		{"a later digest already went out (clock behind)", with(func(in *DueInput) { in.PreviousSlot = instant(t, "2026-06-09T09:00:00-04:00") }),
			"2026-06-08T10:00:00-04:00", "2026-06-08T09:00:00-04:00", ReasonAlreadySent},

		// minimum interval, between slots on the payer's clock
		{"two days after the previous digest", with(func(in *DueInput) {
			in.PreviousSlot, in.TriggeredOn = instant(t, "2026-06-08T09:00:00-04:00"), date(t, "2026-06-09")
		}), "2026-06-10T09:00:00-04:00", "2026-06-10T09:00:00-04:00", ReasonMinInterval},
		{"three days after, to the minute", with(func(in *DueInput) {
			in.PreviousSlot, in.TriggeredOn = instant(t, "2026-06-08T09:00:00-04:00"), date(t, "2026-06-09")
		}), "2026-06-11T09:00:20-04:00", "2026-06-11T09:00:00-04:00", ""},
		{"friday to monday across spring forward is three days", with(func(in *DueInput) {
			in.PreviousSlot, in.TriggeredOn = instant(t, "2026-03-06T09:00:00-05:00"), date(t, "2026-03-07")
		}), "2026-03-09T09:00:00-04:00", "2026-03-09T09:00:00-04:00", ""},
		{"a one-week interval holds back a weekly-ish payer", with(func(in *DueInput) {
			in.Schedule.MinInterval = 7 * 24 * time.Hour
			in.PreviousSlot = instant(t, "2026-06-03T09:00:00-04:00")
		}), "2026-06-09T09:00:00-04:00", "2026-06-09T09:00:00-04:00", ReasonMinInterval},

		// cadences
		{"daily sends each weekday without a new point", with(func(in *DueInput) {
			in.Schedule, in.PreviousSlot, in.TriggeredOn = daily, instant(t, "2026-06-08T09:00:00-04:00"), civil.Date{}
		}), "2026-06-09T09:00:00-04:00", "2026-06-09T09:00:00-04:00", ""},
		{"daily with nothing remindable", with(func(in *DueInput) { in.Schedule, in.Remindable = daily, false }),
			"2026-06-09T09:00:00-04:00", "2026-06-09T09:00:00-04:00", ReasonNothingRemindable},
		{"weekly monday: wednesday's point waits for next monday", with(func(in *DueInput) {
			in.Schedule, in.TriggeredOn = mondays, date(t, "2026-06-10")
		}), "2026-06-11T12:00:00-04:00", "2026-06-08T09:00:00-04:00", ReasonNoWindowYet},
		{"weekly monday: sent next monday", with(func(in *DueInput) { in.Schedule, in.TriggeredOn = mondays, date(t, "2026-06-10") }),
			"2026-06-15T09:00:00-04:00", "2026-06-15T09:00:00-04:00", ""},
		{"payment run on the 31st falls on february 28", with(func(in *DueInput) {
			in.Schedule = monthEnd
			in.PreviousSlot, in.TriggeredOn = instant(t, "2026-01-31T09:00:00-05:00"), date(t, "2026-02-10")
		}), "2026-02-28T09:01:00-05:00", "2026-02-28T09:00:00-05:00", ""},

		// stale slots
		{"hub down over the weekend: friday's slot expired", with(func(in *DueInput) { in.TriggeredOn = date(t, "2026-06-11") }),
			"2026-06-14T12:00:00-04:00", "2026-06-12T09:00:00-04:00", ReasonSlotExpired},
		{"exactly 24 h late is still sent", with(func(in *DueInput) { in.TriggeredOn = date(t, "2026-06-11") }),
			"2026-06-13T09:00:00-04:00", "2026-06-12T09:00:00-04:00", ""},
		{"24 h and a minute late is not", with(func(in *DueInput) { in.TriggeredOn = date(t, "2026-06-11") }),
			"2026-06-13T09:01:00-04:00", "2026-06-12T09:00:00-04:00", ReasonSlotExpired},
		{"a 72 h stale limit sends friday's slot on sunday", with(func(in *DueInput) {
			in.TriggeredOn, in.StaleAfter = date(t, "2026-06-11"), 72*time.Hour
		}), "2026-06-14T12:00:00-04:00", "2026-06-12T09:00:00-04:00", ""},

		// payer actions
		{"payer acted the evening before", with(func(in *DueInput) { in.LastAction = instant(t, "2026-06-07T18:00:00-04:00") }),
			"2026-06-08T09:00:00-04:00", "2026-06-08T09:00:00-04:00", ReasonRecentAction},
		{"payer acted exactly 24 h before the window", with(func(in *DueInput) { in.LastAction = instant(t, "2026-06-07T09:00:00-04:00") }),
			"2026-06-08T09:00:00-04:00", "2026-06-08T09:00:00-04:00", ""},
		{"payer acted yesterday afternoon: no digest at the odd minute the 24 h end",
			with(func(in *DueInput) { in.LastAction = instant(t, "2026-06-07T15:00:00-04:00") }),
			"2026-06-08T15:30:00-04:00", "2026-06-08T09:00:00-04:00", ReasonRecentAction},
		{"payer acted after the window, before a late run", with(func(in *DueInput) { in.LastAction = instant(t, "2026-06-08T09:30:00-04:00") }),
			"2026-06-08T10:00:00-04:00", "2026-06-08T09:00:00-04:00", ReasonRecentAction},

		// SMS quiet hours
		{"sms catch-up at 21:30 waits", with(func(in *DueInput) { in.SMS = true }),
			"2026-06-08T21:30:00-04:00", "2026-06-08T09:00:00-04:00", ReasonQuietHours},
		{"sms catch-up goes at 08:00 next morning", with(func(in *DueInput) { in.SMS = true }),
			"2026-06-09T08:00:00-04:00", "2026-06-08T09:00:00-04:00", ""},
		{"email catch-up at 21:30 is sent", base,
			"2026-06-08T21:30:00-04:00", "2026-06-08T09:00:00-04:00", ""},
		{"sms window set at 07:00 waits for 08:00", with(func(in *DueInput) { in.SMS, in.Schedule.Hour = true, 7 }),
			"2026-06-08T07:30:00-04:00", "2026-06-08T07:00:00-04:00", ReasonQuietHours},

		// time zones
		{"tokyo monday 09:00 (sunday in UTC)", with(func(in *DueInput) {
			in.Schedule = TwiceWeekly(tokyo)
			in.PreviousSlot = instant(t, "2026-06-01T09:00:00+09:00")
		}), "2026-06-08T09:00:00+09:00", "2026-06-08T00:00:00Z", ""},
		{"los angeles friday evening (saturday in UTC) catches up friday", with(func(in *DueInput) {
			in.Schedule = TwiceWeekly(la)
			in.TriggeredOn = date(t, "2026-06-12")
		}), "2026-06-12T18:00:00-07:00", "2026-06-12T16:00:00Z", ""},

		{"no window at all", with(func(in *DueInput) { in.Schedule.Cadence = CadencePaymentRun }), "2026-06-08T09:00:00-04:00", "", ReasonNoWindowYet},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Decide(instant(t, c.now), c.in)
			want := Decision{Send: c.reason == "", Slot: instant(t, c.slot), Reason: c.reason}
			if got.Send != want.Send || got.Reason != want.Reason || !got.Slot.Equal(want.Slot) {
				t.Fatalf("got %+v, want %+v", got, want)
			}
		})
	}
}

// payer is one payer as the run loop sees it: invoices under one policy,
// a schedule, and the ledger's latest slot.
type payer struct {
	policy Policy
	dues   []civil.Date
	in     DueInput
}

// run calls Decide every step from from to to, except while the hub is down,
// composing the input the way the run loop does, and returns the sent slots.
func (p payer) run(t *testing.T, from, to time.Time, step time.Duration, down func(time.Time) bool) []string {
	t.Helper()
	var sent []string
	for now := from; !now.After(to); now = now.Add(step) {
		if down != nil && down(now) {
			continue
		}
		in := p.in
		in.TriggeredOn, in.Remindable = civil.Date{}, len(p.dues) > 0
		after := in.Schedule.LocalDate(in.PreviousSlot)
		for _, due := range p.dues {
			if next, ok := p.policy.NextPoint(due, after); ok && (in.TriggeredOn.IsZero() || next.Before(in.TriggeredOn)) {
				in.TriggeredOn = next
			}
		}
		d := Decide(now, in)
		if d.Send {
			sent = append(sent, d.Slot.In(in.Schedule.Location).Format("2006-01-02 Mon 15:04"))
			p.in.PreviousSlot = d.Slot
		}
	}
	return sent
}

func TestCatchUpCollapsesMissedWindows(t *testing.T) {
	ny := zone(t, "America/New_York")
	p := payer{
		policy: DefaultPolicy(),
		dues:   []civil.Date{date(t, "2026-06-16")}, // its -7 point is Tuesday 06-09
		in:     DueInput{Schedule: TwiceWeekly(ny), PreviousSlot: instant(t, "2026-06-01T09:00:00-04:00")},
	}
	// Down from Monday 10:00 to Thursday 10:30: Tuesday's, Wednesday's and
	// Thursday's windows are missed.
	downFrom, downTo := instant(t, "2026-06-08T10:00:00-04:00"), instant(t, "2026-06-11T10:30:00-04:00")
	down := func(now time.Time) bool { return !now.Before(downFrom) && now.Before(downTo) }
	got := p.run(t, instant(t, "2026-06-08T00:00:00-04:00"), instant(t, "2026-06-12T23:59:00-04:00"), time.Minute, down)
	if want := []string{"2026-06-11 Thu 09:00"}; !slices.Equal(got, want) {
		t.Fatalf("sent %v, want only the latest missed slot %v", got, want)
	}
}

func TestRunningEveryMinuteSendsEachSlotOnce(t *testing.T) {
	// Every run inside one window period must name the same slot, or the
	// ledger's unique key could not stop a second send.
	s := TwiceWeekly(zone(t, "Europe/London"))
	in := DueInput{Schedule: s, TriggeredOn: date(t, "2026-06-08"), Remindable: true}
	first := Decide(instant(t, "2026-06-08T09:00:00+01:00"), in)
	for _, now := range []string{"2026-06-08T09:00:59+01:00", "2026-06-08T17:00:00+01:00", "2026-06-09T08:59:59+01:00"} {
		if d := Decide(instant(t, now), in); !d.Send || !d.Slot.Equal(first.Slot) {
			t.Fatalf("at %s: %+v, want the slot %s of the first run", now, d, first.Slot)
		}
	}
	in.PreviousSlot = first.Slot
	if d := Decide(instant(t, "2026-06-08T09:01:00+01:00"), in); d.Send {
		t.Fatalf("the recorded slot was sent again: %+v", d)
	}
}

// Three vendors' invoices due the same fortnight, reminded for six weeks:
// the payer sees one digest per window at most, twice a week at most, always
// at 09:00 on a weekday.
func TestSixWeeksOfDigests(t *testing.T) {
	ny := zone(t, "America/New_York")
	p := payer{
		policy: DefaultPolicy(),
		dues:   []civil.Date{date(t, "2026-06-10"), date(t, "2026-06-12"), date(t, "2026-06-19")},
		in:     DueInput{Schedule: TwiceWeekly(ny)},
	}
	got := p.run(t, instant(t, "2026-05-25T00:00:00-04:00"), instant(t, "2026-07-10T23:59:00-04:00"), 15*time.Minute, nil)
	want := []string{
		"2026-06-03 Wed 09:00", // -7 of the first invoice
		"2026-06-08 Mon 09:00", // -7 of the second was Friday, two days too soon
		"2026-06-11 Thu 09:00", // due date of the first, held to three days
		"2026-06-15 Mon 09:00",
		"2026-06-18 Thu 09:00",
		"2026-06-22 Mon 09:00",
		"2026-06-25 Thu 09:00",
		"2026-06-29 Mon 09:00",
		"2026-07-02 Thu 09:00",
		"2026-07-06 Mon 09:00",
		"2026-07-09 Thu 09:00",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("sent\n%v\nwant\n%v", got, want)
	}
}
