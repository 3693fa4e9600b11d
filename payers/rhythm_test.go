package payers_test

import (
	"testing"
	"time"

	"github.com/duehub/duehub/payers"
)

func TestLearnRhythm(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s ...string) []time.Time {
		var out []time.Time
		for _, v := range s {
			x, err := time.Parse(time.RFC3339, v)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, x)
		}
		return out
	}
	cases := []struct {
		name string
		at   []time.Time
		loc  *time.Location
		day  time.Weekday
		hour int
		ok   bool
	}{
		{"no activity: the default stands", nil, paris, 0, 0, false},
		{"two actions are too few", at("2026-10-01T14:00:00Z", "2026-10-08T14:00:00Z"), paris, 0, 0, false},
		{"three Thursday afternoons, read in Paris time",
			at("2026-10-01T12:10:00Z", "2026-10-08T12:50:00Z", "2026-10-15T13:05:00Z"), paris, time.Thursday, 14, true},
		{"the busiest day wins, then its busiest hour",
			at("2026-10-05T08:00:00Z", "2026-10-06T07:30:00Z", "2026-10-13T15:00:00Z", "2026-10-20T15:20:00Z"), time.UTC, time.Tuesday, 15, true},
		{"a tie goes to the earlier working day",
			at("2026-10-04T10:00:00Z", "2026-10-05T10:00:00Z", "2026-10-11T10:00:00Z", "2026-10-12T10:00:00Z"), time.UTC, time.Monday, 10, true},
		{"late evening in UTC is the next morning in Tokyo",
			at("2026-10-05T23:30:00Z", "2026-10-12T23:10:00Z", "2026-10-19T23:45:00Z"), mustZone(t, "Asia/Tokyo"), time.Tuesday, 8, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			day, hour, ok := payers.LearnRhythm(c.at, c.loc)
			if ok != c.ok || (ok && (day != c.day || hour != c.hour)) {
				t.Fatalf("LearnRhythm = %s %d %v, want %s %d %v", day, hour, ok, c.day, c.hour, c.ok)
			}
		})
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
