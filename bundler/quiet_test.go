package bundler

import (
	"testing"
	"time"
)

func TestSMSQuietHours(t *testing.T) {
	ny, london, tokyo := zone(t, "America/New_York"), zone(t, "Europe/London"), zone(t, "Asia/Tokyo")
	cases := []struct {
		name    string
		loc     *time.Location
		now     string
		allowed bool
		next    string // the next allowed instant; now itself when allowed
	}{
		{"a second before 08:00", ny, "2026-06-10T07:59:59-04:00", false, "2026-06-10T08:00:00-04:00"},
		{"08:00 sharp", ny, "2026-06-10T08:00:00-04:00", true, "2026-06-10T08:00:00-04:00"},
		{"midday", ny, "2026-06-10T12:00:00-04:00", true, "2026-06-10T12:00:00-04:00"},
		{"20:59:59", ny, "2026-06-10T20:59:59-04:00", true, "2026-06-10T20:59:59-04:00"},
		{"21:00 sharp", ny, "2026-06-10T21:00:00-04:00", false, "2026-06-11T08:00:00-04:00"},
		{"just before midnight", ny, "2026-06-10T23:59:00-04:00", false, "2026-06-11T08:00:00-04:00"},
		{"just after midnight", ny, "2026-06-11T00:01:00-04:00", false, "2026-06-11T08:00:00-04:00"},
		{"daytime in UTC is night in Tokyo", tokyo, "2026-06-10T13:00:00Z", false, "2026-06-11T08:00:00+09:00"},
		{"nil location is UTC", nil, "2026-06-10T07:00:00Z", false, "2026-06-10T08:00:00Z"},
		{"night before spring forward: 08:00 EDT", ny, "2026-03-07T22:00:00-05:00", false, "2026-03-08T08:00:00-04:00"},
		{"night before fall back: 08:00 GMT", london, "2026-10-24T21:30:00+01:00", false, "2026-10-25T08:00:00Z"},
		{"morning after fall back, 07:30 GMT", london, "2026-10-25T07:30:00Z", false, "2026-10-25T08:00:00Z"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			now := instant(t, c.now)
			if got := SMSAllowed(now, c.loc); got != c.allowed {
				t.Errorf("SMSAllowed = %v, want %v", got, c.allowed)
			}
			if got := NextSMSTime(now, c.loc); !got.Equal(instant(t, c.next)) {
				t.Errorf("NextSMSTime = %s, want %s", got, c.next)
			}
		})
	}
}
