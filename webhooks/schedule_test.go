package webhooks_test

import (
	"testing"
	"time"

	"github.com/duehub/duehub/webhooks"
)

func TestScheduleWaits(t *testing.T) {
	s := webhooks.DefaultSchedule
	cases := []struct {
		attempt  int
		r        float64
		min, max time.Duration
	}{
		{1, 0.5, 30 * time.Second, 30 * time.Second},
		{1, 0, 24 * time.Second, 24 * time.Second},
		{1, 0.999999, 35 * time.Second, 36 * time.Second},
		{2, 0.5, time.Minute, time.Minute},
		{5, 0.5, 8 * time.Minute, 8 * time.Minute},
		{11, 0.5, 512 * time.Minute, 512 * time.Minute},
		{12, 0.5, 12 * time.Hour, 12 * time.Hour},
		{40, 0, 576 * time.Minute, 576 * time.Minute},      // 12 h - 20 %
		{400, 0.999999, 14 * time.Hour, 864 * time.Minute}, // 12 h + 20 %, no overflow
	}
	for _, c := range cases {
		if got := s.Wait(c.attempt, c.r); got < c.min || got > c.max {
			t.Errorf("Wait(%d, %v) = %v, want %v to %v", c.attempt, c.r, got, c.min, c.max)
		}
	}
}

// TestScheduleCoversThreeDays: whatever the jitter, retries go on until 3
// days have passed, with a bounded number of attempts.
func TestScheduleCoversThreeDays(t *testing.T) {
	s := webhooks.DefaultSchedule
	for _, r := range []float64{0, 0.5, 0.999999} {
		at, attempts := time.Duration(0), 1
		for !s.GiveUp(time.Time{}, time.Time{}.Add(at)) {
			at += s.Wait(attempts, r)
			attempts++
		}
		if at < 72*time.Hour || at > 72*time.Hour+864*time.Minute {
			t.Errorf("jitter %v: last attempt at %v", r, at)
		}
		if attempts < 12 || attempts > 22 {
			t.Errorf("jitter %v: %d attempts", r, attempts)
		}
	}
}
