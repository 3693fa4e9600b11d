package ratelimit

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rule admits at most Limit requests in any Window. The zero Rule is off:
// it admits everything.
type Rule struct {
	Limit  int
	Window time.Duration
}

// Off reports whether the rule admits everything.
func (r Rule) Off() bool { return r.Limit <= 0 || r.Window <= 0 }

// maxLimit and the window bounds keep the window math in int64 and the
// windows meaningful: below a millisecond, or above a week, a rule is a typo.
const (
	maxLimit  = 1_000_000
	minWindow = time.Millisecond
	maxWindow = 7 * 24 * time.Hour
)

var units = map[string]time.Duration{
	"s": time.Second, "sec": time.Second, "second": time.Second,
	"m": time.Minute, "min": time.Minute, "minute": time.Minute,
	"h": time.Hour, "hour": time.Hour,
	"d": 24 * time.Hour, "day": 24 * time.Hour,
}

// ParseRule reads "100/s", "20/min", "3/10m" (a count, then a unit or a Go
// duration) or "off".
func ParseRule(s string) (Rule, error) {
	s = strings.TrimSpace(s)
	if s == "off" || s == "0" {
		return Rule{}, nil
	}
	n, per, ok := strings.Cut(s, "/")
	if !ok {
		return Rule{}, fmt.Errorf("ratelimit: %q is not COUNT/WINDOW, like 100/s or 3/10m, or off", s)
	}
	limit, err := strconv.Atoi(n)
	if err != nil || limit < 1 || limit > maxLimit {
		return Rule{}, fmt.Errorf("ratelimit: %q: the count must be a whole number from 1 to %d", s, maxLimit)
	}
	window, ok := units[per]
	if !ok {
		if window, err = time.ParseDuration(per); err != nil {
			return Rule{}, fmt.Errorf("ratelimit: %q: the window must be s, min, h, day or a duration like 10m", s)
		}
	}
	if window < minWindow || window > maxWindow {
		return Rule{}, errors.New("ratelimit: " + strconv.Quote(s) + ": the window must be from 1ms to 7 days")
	}
	return Rule{Limit: limit, Window: window}, nil
}

// String writes the rule the way ParseRule reads it.
func (r Rule) String() string {
	if r.Off() {
		return "off"
	}
	for _, u := range []string{"day", "h", "min", "s"} {
		if r.Window == units[u] {
			return fmt.Sprintf("%d/%s", r.Limit, u)
		}
	}
	return fmt.Sprintf("%d/%s", r.Limit, r.Window)
}
