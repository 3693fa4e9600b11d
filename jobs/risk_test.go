package jobs

import (
	"testing"
	"time"
)

// TestRiskNightly: the retraining runs once a day at RiskHour UTC.
func TestRiskNightly(t *testing.T) {
	for _, c := range []struct{ now, want string }{
		{"2026-12-02T01:59:59Z", "2026-12-02T02:00:00Z"},
		{"2026-12-02T02:00:00Z", "2026-12-03T02:00:00Z"},
		{"2026-12-31T20:00:00-05:00", "2027-01-01T02:00:00Z"},
	} {
		now, _ := time.Parse(time.RFC3339, c.now)
		want, _ := time.Parse(time.RFC3339, c.want)
		if got := (nightly{}).Next(now); !got.Equal(want) {
			t.Errorf("after %s: %s, want %s", c.now, got, want)
		}
	}
}
