package vendors

import (
	"testing"
	"time"
)

// TestReplyDeadline: one business day is the same local time on the next
// day that is not a weekend day in the vendor's time zone; an hour target
// is plain hours.
func TestReplyDeadline(t *testing.T) {
	auckland, err := time.LoadLocation("Pacific/Auckland")
	if err != nil {
		t.Fatal(err)
	}
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, opened string
		hours        int
		loc          *time.Location
		want         string
	}{
		// Friday 20:00 UTC is Saturday 09:00 in Auckland: due Monday 09:00 there.
		{"Auckland Saturday", "2026-12-04T20:00:00Z", 0, auckland, "2026-12-06T20:00:00Z"},
		{"same moment in UTC", "2026-12-04T20:00:00Z", 0, time.UTC, "2026-12-07T20:00:00Z"},
		// Wednesday 15:00 in Auckland: Thursday 15:00 there.
		{"Auckland weekday", "2026-12-02T02:00:00Z", 0, auckland, "2026-12-03T02:00:00Z"},
		// Saturday 03:00 UTC is Friday 19:00 in Los Angeles: due Monday 19:00 there.
		{"Los Angeles Friday evening", "2026-12-05T03:00:00Z", 0, la, "2026-12-08T03:00:00Z"},
		{"same moment in UTC", "2026-12-05T03:00:00Z", 0, time.UTC, "2026-12-07T03:00:00Z"},
		// Across the end of daylight saving time in Los Angeles (Sunday Nov 1):
		// Friday 10:00 PDT is due Monday 10:00 PST, 73 hours later.
		{"Los Angeles over DST", "2026-10-30T17:00:00Z", 0, la, "2026-11-02T18:00:00Z"},
		{"hours", "2026-12-04T20:00:00Z", 4, auckland, "2026-12-05T00:00:00Z"},
		{"nil zone is UTC", "2026-12-04T20:00:00Z", 0, nil, "2026-12-07T20:00:00Z"},
	} {
		opened, _ := time.Parse(time.RFC3339, c.opened)
		want, _ := time.Parse(time.RFC3339, c.want)
		if got := ReplyDeadline(opened, c.hours, c.loc); !got.Equal(want) {
			t.Errorf("%s: %s, want %s", c.name, got.UTC().Format(time.RFC3339), c.want)
		}
	}
}
