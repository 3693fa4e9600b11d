package ratelimit

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) // a whole minute: a window start for 1-minute rules

func TestWindowAt(t *testing.T) {
	for _, tc := range []struct {
		at         time.Time
		length     time.Duration
		wantStart  time.Time
		wantWeight int64
	}{
		{t0, time.Minute, t0, ppm},
		{t0.Add(15 * time.Second), time.Minute, t0, 750_000},
		{t0.Add(59*time.Second + 999*time.Millisecond), time.Minute, t0, 16},
		{t0.Add(time.Minute), time.Minute, t0.Add(time.Minute), ppm},
		{t0.Add(4 * time.Minute), 10 * time.Minute, t0, 600_000},
	} {
		w := windowAt(tc.at, tc.length)
		if !w.start.Equal(tc.wantStart) || w.weight != tc.wantWeight {
			t.Errorf("windowAt(%s, %s) = start %s weight %d, want %s %d",
				tc.at.Format(time.TimeOnly), tc.length, w.start.UTC().Format(time.TimeOnly), w.weight,
				tc.wantStart.Format(time.TimeOnly), tc.wantWeight)
		}
	}
}

func TestShift(t *testing.T) {
	w := windowAt(t0, time.Minute)
	stored := counts{cur: 4, prev: 7}
	for _, tc := range []struct {
		name string
		row  int64
		want counts
	}{
		{"same window", w.index, stored},
		{"one window old: its count is the previous", w.index - 1, counts{prev: 4}},
		{"older: nothing counts", w.index - 2, counts{}},
		{"from a clock ahead: taken as current", w.index + 1, stored},
	} {
		if got := w.shift(tc.row, stored); got != tc.want {
			t.Errorf("%s: shift = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestWindowMath(t *testing.T) {
	const limit = 10
	for _, tc := range []struct {
		name      string
		at        time.Time // the window starts at t0
		c         counts
		admits    bool
		remaining int
		retry     time.Duration
		reset     time.Duration
	}{
		{"empty", t0, counts{}, true, 10, 0, 0},
		{"some used", t0.Add(30 * time.Second), counts{cur: 3, prev: 4}, true, 5, 0, 90 * time.Second},
		// prev 10 weighs fully at the start; one more fits once its weight is 0.9: 6 s in.
		{"previous window full", t0, counts{prev: 10}, false, 0, 6 * time.Second, time.Minute},
		// cur 10 weighs as the previous window next minute, and must fall to 9: 6 s into it.
		{"current window full", t0.Add(30 * time.Second), counts{cur: 10}, false, 0, 36 * time.Second, 90 * time.Second},
		// prev 20 must weigh at most 4 (10 - 5 - 1): a weight of 0.2, 48 s in.
		{"both", t0.Add(45 * time.Second), counts{cur: 5, prev: 20}, false, 0, 3 * time.Second, 75 * time.Second},
		{"the last one that fits", t0.Add(30 * time.Second), counts{cur: 4, prev: 10}, true, 1, 0, 90 * time.Second},
	} {
		w := windowAt(tc.at, time.Minute)
		if got := w.admits(limit, tc.c); got != tc.admits {
			t.Errorf("%s: admits = %v, want %v", tc.name, got, tc.admits)
		}
		if got := w.remaining(limit, tc.c); got != tc.remaining {
			t.Errorf("%s: remaining = %d, want %d", tc.name, got, tc.remaining)
		}
		if got := w.retryAfter(tc.at, limit, tc.c); got != tc.retry {
			t.Errorf("%s: retryAfter = %s, want %s", tc.name, got, tc.retry)
		}
		if got := w.resetAfter(tc.at, tc.c); got != tc.reset {
			t.Errorf("%s: resetAfter = %s, want %s", tc.name, got, tc.reset)
		}
		// The retry time is honest: at it, one more fits; just before, it does not.
		if tc.retry > 0 {
			later := tc.at.Add(tc.retry)
			lw := windowAt(later, time.Minute)
			c := lw.shift(w.index, tc.c)
			if !lw.admits(limit, c) {
				t.Errorf("%s: still refused after Retry-After (%s)", tc.name, tc.retry)
			}
			ew := windowAt(later.Add(-time.Second), time.Minute)
			if ew.admits(limit, ew.shift(w.index, tc.c)) {
				t.Errorf("%s: admitted a second before Retry-After (%s)", tc.name, tc.retry)
			}
		}
	}
}

// With a limit of 1 the previous window's single request weighs until its
// end, so the next one fits two windows after the first began.
func TestRetryAfterLimitOne(t *testing.T) {
	w := windowAt(t0.Add(10*time.Second), time.Minute)
	if got := w.retryAfter(t0.Add(10*time.Second), 1, counts{cur: 1}); got != 110*time.Second {
		t.Fatalf("retryAfter = %s, want 1m50s", got)
	}
}

func TestParseRule(t *testing.T) {
	for in, want := range map[string]Rule{
		"100/s":    {100, time.Second},
		"20/min":   {20, time.Minute},
		"20/m":     {20, time.Minute},
		"3/10m":    {3, 10 * time.Minute},
		"5/1h30m":  {5, 90 * time.Minute},
		"1/day":    {1, 24 * time.Hour},
		" 7/hour ": {7, time.Hour},
		"off":      {},
		"0":        {},
	} {
		got, err := ParseRule(in)
		if err != nil || got != want {
			t.Errorf("ParseRule(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "100", "/s", "0/s", "-1/s", "1.5/s", "10/fortnight", "10/0s", "10/-1s",
		"10/8d", "10/1ns", "2000000/s", "10/s/s"} {
		if r, err := ParseRule(bad); err == nil {
			t.Errorf("ParseRule(%q) = %+v, want an error", bad, r)
		}
	}
}

// FuzzParseRule: configuration is outside input. A rule that parses is sane
// and survives String and ParseRule unchanged.
func FuzzParseRule(f *testing.F) {
	for _, s := range []string{"100/s", "20/min", "3/10m", "off", "1/1ms", "5/168h", "9/1h0m0.5s", "1/s\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRule(s)
		if err != nil {
			return
		}
		if !r.Off() && (r.Limit < 1 || r.Limit > maxLimit || r.Window < minWindow || r.Window > maxWindow) {
			t.Fatalf("ParseRule(%q) = %+v: out of bounds", s, r)
		}
		back, err := ParseRule(r.String())
		if err != nil || back != r {
			t.Fatalf("ParseRule(%q) = %+v, String %q parses as %+v, %v", s, r, r.String(), back, err)
		}
	})
}
