package ratelimit

import "time"

// The limiter approximates a sliding window with two fixed ones: the count of
// the current window plus the count of the previous one weighted by how much
// of it the sliding window still covers. It never admits more than Limit in
// any fixed window, and at most Limit in any window-long span under an even
// spread, without keeping a timestamp per request. Weights are parts per
// million so that the database does the same integer math.
const ppm = 1_000_000

// window is where an instant falls for a rule's window length.
type window struct {
	index  int64         // which fixed window, counted from the Unix epoch
	start  time.Time     // when it began
	weight int64         // share of the previous window still covered, in ppm
	length time.Duration // the rule's window
}

func windowAt(now time.Time, length time.Duration) window {
	n, l := now.UnixNano(), int64(length)
	idx := n / l
	if n < 0 && n%l != 0 {
		idx-- // floor, for clocks before 1970 in tests
	}
	elapsed := n - idx*l
	return window{index: idx, start: time.Unix(0, idx*l), weight: (l - elapsed) * ppm / l, length: length}
}

// counts are the admitted requests of the current and previous windows.
type counts struct{ cur, prev int64 }

// shift reads a row stored for window rowIndex as seen from window w: a row
// one window old becomes the previous window, an older one counts nothing.
// A row from a later window (another process's clock runs ahead) is taken as
// current.
func (w window) shift(rowIndex int64, stored counts) counts {
	switch {
	case rowIndex >= w.index:
		return stored
	case rowIndex == w.index-1:
		return counts{prev: stored.cur}
	}
	return counts{}
}

// admits reports whether one more request fits.
func (w window) admits(limit int64, c counts) bool {
	return (c.cur+1)*ppm+c.prev*w.weight <= limit*ppm
}

// remaining is how many more requests fit now.
func (w window) remaining(limit int64, c counts) int {
	left := (limit*ppm - c.cur*ppm - c.prev*w.weight) / ppm
	if left < 0 {
		return 0
	}
	return int(left)
}

// retryAfter is how long until one more request fits, counted from now.
func (w window) retryAfter(now time.Time, limit int64, c counts) time.Duration {
	if w.admits(limit, c) {
		return 0
	}
	var at time.Time
	if c.cur+1 <= limit {
		// The previous window's weight must fall until it leaves room:
		// prev*(1-e/L) <= limit-cur-1.
		room := limit - c.cur - 1
		at = w.start.Add(time.Duration(int64(w.length) * (c.prev - room) / c.prev))
	} else {
		// Full: in the next window this one's count weighs in as the
		// previous, and must fall to limit-1.
		at = w.start.Add(w.length + time.Duration(int64(w.length)*(c.cur-limit+1)/c.cur))
	}
	if d := at.Sub(now); d > 0 {
		return d
	}
	return 0
}

// resetAfter is how long until the whole limit is available again.
func (w window) resetAfter(now time.Time, c counts) time.Duration {
	var at time.Time
	switch {
	case c.cur > 0:
		at = w.start.Add(2 * w.length)
	case c.prev > 0:
		at = w.start.Add(w.length)
	default:
		return 0
	}
	return at.Sub(now)
}

// expiry is when a row written in window w says nothing any more.
func (w window) expiry() time.Time { return w.start.Add(2 * w.length) }
