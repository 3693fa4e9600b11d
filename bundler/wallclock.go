package bundler

import (
	"time"

	"github.com/duehub/duehub/civil"
)

// wallClock returns the instant at which clocks in loc read hour:minute on
// day d. time.Date leaves the DST edge cases unspecified (and in practice
// answers differently per zone), so they are decided here:
//   - a time skipped by a spring-forward gap moves to the first valid instant
//     after it (02:30 on the day New York jumps from 02:00 to 03:00 → 03:00);
//   - a time repeated by a fall-back overlap takes its first occurrence.
func wallClock(d civil.Date, hour, minute int, loc *time.Location) time.Time {
	naive := time.Date(d.Year, d.Month, d.Day, hour, minute, 0, 0, time.UTC)
	// Every zone changes its offset at most once within a few days, so the
	// offsets in force 36 h either side of the wall time are all candidates.
	var first time.Time
	for _, probe := range []time.Duration{-36 * time.Hour, 0, 36 * time.Hour} {
		_, off := naive.Add(probe).In(loc).Zone()
		c := naive.Add(-time.Duration(off) * time.Second)
		if readsAs(c.In(loc), d, hour, minute) && (first.IsZero() || c.Before(first)) {
			first = c
		}
	}
	if !first.IsZero() {
		return first.In(loc)
	}
	// In a gap: with the earlier offset the wall time names an instant after
	// the change, and the zone in force there began at the end of the gap.
	_, before := naive.Add(-36 * time.Hour).In(loc).Zone()
	start, _ := naive.Add(-time.Duration(before) * time.Second).In(loc).ZoneBounds()
	return start
}

func readsAs(t time.Time, d civil.Date, hour, minute int) bool {
	return civil.Of(t) == d && t.Hour() == hour && t.Minute() == minute && t.Second() == 0
}

// orUTC treats a missing location as UTC, the documented default.
func orUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

// wallSince is a−b as read on clocks in loc, so that Friday 09:00 to Monday
// 09:00 is 72 h even when a DST change in between makes it 71 h or 73 h.
func wallSince(a, b time.Time, loc *time.Location) time.Duration {
	return asNaiveUTC(a.In(loc)).Sub(asNaiveUTC(b.In(loc)))
}

func asNaiveUTC(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}
