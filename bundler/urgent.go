package bundler

import (
	"time"

	"github.com/duehub/duehub/civil"
)

// Ledger kinds: a regular digest, on the payer's schedule, or a short "due
// now" message between two of them.
const (
	KindRegular = "regular"
	KindUrgent  = "urgent"
)

// UrgentInterval is the least time between two "due now" messages.
const UrgentInterval = 7 * 24 * time.Hour

// UrgentInput is what the decision for a "due now" message depends on.
type UrgentInput struct {
	Schedule Schedule
	// PreviousSlot is the slot of the payer's previous regular digest on
	// the channel; PreviousUrgent that of its previous "due now" message.
	PreviousSlot, PreviousUrgent time.Time
	LastAction                   time.Time
	// Unannounced reports whether a remindable invoice fell due since the
	// previous regular digest that this digest may not have listed.
	Unannounced bool
	SMS         bool
	StaleAfter  time.Duration
}

// Urgent reports whether the cadence has "due now" messages: the weekly
// ones, whose digests are a week apart.
func (s Schedule) Urgent() bool {
	c := s.cadence()
	return c == CadenceRhythm || c == CadenceWeekly
}

// DecideUrgent says whether to send a "due now" message at now, and its
// slot: today's send time, on a day that is not a regular window. At most
// one a week (UrgentInterval), never within a day of the previous regular
// digest, and only where the regular digests around it are a full week
// apart, so that no 7 days hold more than two messages. Recent portal
// actions, quiet hours and the stale limit apply as to a digest.
func DecideUrgent(now time.Time, in UrgentInput) (time.Time, bool) {
	s := in.Schedule
	if !s.Urgent() || !in.Unannounced || in.PreviousSlot.IsZero() {
		return time.Time{}, false
	}
	loc := s.loc()
	today := s.LocalDate(now)
	if s.isWindowDay(today) {
		return time.Time{}, false
	}
	slot := wallClock(today, s.Hour, s.Minute, loc).UTC()
	stale := in.StaleAfter
	if stale <= 0 {
		stale = DefaultStaleAfter
	}
	switch {
	case slot.After(now), now.Sub(slot) > stale:
		return time.Time{}, false
	case wallSince(slot, in.PreviousSlot, loc) < 24*time.Hour:
		return time.Time{}, false
	case !in.PreviousUrgent.IsZero() && wallSince(slot, in.PreviousUrgent, loc) < UrgentInterval:
		return time.Time{}, false
	case !in.LastAction.IsZero() && in.LastAction.After(slot.Add(-ActionQuiet)):
		return time.Time{}, false
	case in.SMS && !SMSAllowed(now, loc):
		return time.Time{}, false
	}
	if next, ok := s.NextWindow(slot); !ok || wallSince(next, in.PreviousSlot, loc) < UrgentInterval {
		return time.Time{}, false
	}
	return slot, true
}

// unannounced reports whether an invoice due on due fell due since the
// previous regular digest (on prevDay), by today, and no message ever
// listed it (listed): it arrived after that digest, or the rotation of a
// crowded payer (more than MaxLines remindable) left it out, in which case
// it may have fallen due earlier. It is what a "due now" message lists
// (build), so that none is reserved with nothing to say.
func unannounced(due, prevDay, today civil.Date, crowded, listed bool) bool {
	return !listed && !due.After(today) && (due.After(prevDay) || crowded)
}
