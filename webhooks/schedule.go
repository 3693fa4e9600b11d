package webhooks

import "time"

// Schedule is how failed deliveries are retried: exponential backoff from
// First, doubling up to Max, each wait jittered by ±Jitter so that a
// receiver coming back is not hit by every delivery at once, until Window
// has passed since the first attempt (or the last resend).
type Schedule struct {
	First  time.Duration
	Max    time.Duration
	Window time.Duration
	Jitter float64 // fraction of the wait, 0 to 1
}

// DefaultSchedule retries after about 30 s, 1, 2, 4 … minutes, then every
// 12 hours, for 3 days: about 16 attempts in all.
var DefaultSchedule = Schedule{First: 30 * time.Second, Max: 12 * time.Hour, Window: 72 * time.Hour, Jitter: 0.2}

// Wait returns how long to wait after failed attempt number attempt (1 for
// the first), r being a random number in [0, 1).
func (s Schedule) Wait(attempt int, r float64) time.Duration {
	d := s.First
	for i := 1; i < attempt && d < s.Max; i++ {
		d *= 2
	}
	d = min(d, s.Max)
	return time.Duration(float64(d) * (1 - s.Jitter + 2*s.Jitter*r))
}

// GiveUp reports whether a delivery whose retry window started at from is
// out of retries at now.
func (s Schedule) GiveUp(from, now time.Time) bool { return now.Sub(from) >= s.Window }
