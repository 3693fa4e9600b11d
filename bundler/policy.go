package bundler

import (
	"fmt"
	"github.com/duehub/duehub/vendors"
	"math"
	"slices"
	"time"

	"github.com/duehub/duehub/civil"
)

// Policy is a vendor's reminder policy: the days, counted from an invoice's
// due date, on which the invoice asks for a reminder.
type Policy struct {
	// Offsets are days from the due date; negative is before it.
	Offsets []int
	// RepeatDays is the interval of the reminders that continue, while the
	// invoice is overdue, after the last offset.
	RepeatDays int
}

// Limits of a valid Policy.
const (
	MinOffset     = -60
	MaxOffset     = 365
	MaxOffsets    = 12
	MinRepeatDays = 1
	MaxRepeatDays = 90
)

// DefaultPolicy is the policy of a vendor that has not chosen one.
func DefaultPolicy() Policy {
	return Policy{Offsets: []int{-7, 0, 3, 7}, RepeatDays: 7}
}

// fieldErrors collects validation problems, named as in the API's JSON,
// into the vendors.ValidationError every API error path understands.
type fieldErrors []vendors.FieldError

func (fe *fieldErrors) add(field, message string) {
	*fe = append(*fe, vendors.FieldError{Field: field, Message: message})
}

func (fe fieldErrors) orNil() error {
	if len(fe) == 0 {
		return nil
	}
	return &vendors.ValidationError{Fields: fe}
}

// Validate returns nil or a *vendors.ValidationError naming each field ("offsets",
// "offsets[2]", "repeat_days") that is out of bounds.
func (p Policy) Validate() error {
	var errs fieldErrors
	switch {
	case len(p.Offsets) == 0:
		errs.add("offsets", "at least one offset is required")
	case len(p.Offsets) > MaxOffsets:
		errs.add("offsets", fmt.Sprintf("at most %d offsets are allowed", MaxOffsets))
	}
	seen := make(map[int]int, len(p.Offsets))
	for i, o := range p.Offsets {
		field := fmt.Sprintf("offsets[%d]", i)
		if o < MinOffset || o > MaxOffset {
			errs.add(field, fmt.Sprintf("must be between %d and %d days", MinOffset, MaxOffset))
		}
		if j, dup := seen[o]; dup {
			errs.add(field, fmt.Sprintf("duplicates offsets[%d]", j))
			continue
		}
		seen[o] = i
	}
	if p.RepeatDays < MinRepeatDays || p.RepeatDays > MaxRepeatDays {
		errs.add("repeat_days", fmt.Sprintf("must be between %d and %d days", MinRepeatDays, MaxRepeatDays))
	}
	return errs.orNil()
}

// PointsBetween returns, in order, the reminder dates of an invoice due on due
// that fall in (after, through]. A zero after means "since the beginning".
//
// Repeat points are last offset + k×RepeatDays (k ≥ 1) and only count once
// the invoice is overdue (at least one day past due), so a policy whose
// offsets all precede the due date does not remind on the due date itself.
func (p Policy) PointsBetween(due, after, through civil.Date) []civil.Date {
	lo, hi := dayRange(due, after, through)
	offsets := p.sortedOffsets()
	var points []civil.Date
	for _, o := range offsets {
		if int64(o) > lo && int64(o) <= hi {
			points = append(points, due.AddDays(o))
		}
	}
	if len(offsets) == 0 || p.RepeatDays < 1 {
		return points
	}
	last, step := int64(offsets[len(offsets)-1]), int64(p.RepeatDays)
	for n := p.firstRepeat(last, lo); n <= hi; n += step {
		points = append(points, due.AddDays(int(n)))
	}
	return points
}

// NextPoint returns the first reminder date strictly after after (zero: since
// the beginning). It is false only for a policy with neither offsets nor a
// repeat still ahead, which Validate rejects.
func (p Policy) NextPoint(due, after civil.Date) (civil.Date, bool) {
	lo, _ := dayRange(due, after, due)
	offsets := p.sortedOffsets()
	for _, o := range offsets {
		if int64(o) > lo {
			return due.AddDays(o), true
		}
	}
	if len(offsets) == 0 || p.RepeatDays < 1 {
		return civil.Date{}, false
	}
	n := p.firstRepeat(int64(offsets[len(offsets)-1]), lo)
	return due.AddDays(int(n)), true
}

// coveragePoint returns the first day strictly after after (zero: since
// the beginning) on which an invoice due on due, first seen by the hub on
// entered, asks to be listed whatever its vendor's policy says: lead days
// before its due date, so that the regular digest of the week before lists
// it as upcoming, and the day after it, newly overdue; each no earlier than
// the day it entered the hub, so that an invoice pushed late, or already
// overdue, is announced too; each only until a message listed it so (m).
// False when none is left.
func coveragePoint(due, entered, after civil.Date, lead int, m mentioned) (civil.Date, bool) {
	for i, d := range []civil.Date{due.AddDays(-lead), due.AddDays(1)} {
		if i == 0 && m.before || i == 1 && !m.overdue.IsZero() {
			continue
		}
		if d.Before(entered) {
			d = entered
		}
		if after.IsZero() || d.After(after) {
			return d, true
		}
	}
	return civil.Date{}, false
}

// firstRepeat is the first repeat point, in days from the due date, that is
// after lo, after the last offset, and overdue.
func (p Policy) firstRepeat(last, lo int64) int64 {
	step := int64(p.RepeatDays)
	start := max(lo+1, last+1, 1)
	k := (start - last + step - 1) / step // ceil; start > last so the numerator is positive
	return last + k*step
}

func (p Policy) sortedOffsets() []int {
	s := slices.Clone(p.Offsets)
	slices.Sort(s)
	return slices.Compact(s)
}

// dayRange converts (after, through] into day numbers relative to due. A zero
// after becomes a bound earlier than any offset or repeat.
func dayRange(due, after, through civil.Date) (lo, hi int64) {
	d := dayNumber(due)
	lo = math.MinInt32
	if !after.IsZero() {
		lo = dayNumber(after) - d
	}
	return lo, dayNumber(through) - d
}

// dayNumber counts days since 1970-01-01. It avoids time.Duration (and so
// civil.Date.DaysUntil), which saturates after 292 years.
func dayNumber(d civil.Date) int64 {
	return d.In(time.UTC).Unix() / 86400 // midnight UTC: always a whole multiple
}
