package jobs

import (
	"testing"
	"time"
)

// TestNetworkNightly: the network's pass runs once a day at NetworkHour UTC.
func TestNetworkNightly(t *testing.T) {
	for _, c := range []struct{ now, want string }{
		{"2026-12-02T00:59:59Z", "2026-12-02T01:00:00Z"},
		{"2026-12-02T01:00:00Z", "2026-12-03T01:00:00Z"},
		{"2026-12-31T22:00:00-05:00", "2027-01-02T01:00:00Z"},
	} {
		now, _ := time.Parse(time.RFC3339, c.now)
		want, _ := time.Parse(time.RFC3339, c.want)
		if got := atHour(NetworkHour).Next(now); !got.Equal(want) {
			t.Errorf("after %s: %s, want %s", c.now, got, want)
		}
	}
}
