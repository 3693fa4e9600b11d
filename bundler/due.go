package bundler

import (
	"time"

	"github.com/duehub/duehub/civil"
)

// Reasons a payer is not sent a digest. They are stable: `duehub digests run
// --json` counts skips by them.
const (
	ReasonAlreadySent       = "already_sent"       // the current slot, or a later one, already has a digest
	ReasonNotTriggered      = "not_triggered"      // no reminder point since the previous digest
	ReasonNothingRemindable = "nothing_remindable" // daily cadence, but nothing to remind of
	ReasonNoWindowYet       = "no_window_yet"      // triggered after the current window: wait for the next
	ReasonSlotExpired       = "slot_expired"       // the current window is older than the stale limit
	ReasonMinInterval       = "min_interval"       // too soon after the previous digest
	ReasonRecentAction      = "recent_action"      // the payer acted in the portal within 24 h
	ReasonQuietHours        = "quiet_hours"        // SMS outside 08:00–21:00 payer-local
)

const (
	// DefaultStaleAfter is how late a slot may still be sent.
	DefaultStaleAfter = 24 * time.Hour
	// ActionQuiet is how long a payer action holds digests back.
	ActionQuiet = 24 * time.Hour
)

// DueInput is what the decision for one payer on one channel depends on.
type DueInput struct {
	Schedule Schedule
	// PreviousSlot is the slot of the payer's previous digest on this
	// channel (the ledger's slot), zero if none.
	PreviousSlot time.Time
	// LastAction is the payer's last portal action, zero if none.
	LastAction time.Time
	// TriggeredOn is the earliest reminder point, over the payer's remindable
	// invoices, after Schedule.LocalDate(PreviousSlot): the least
	// Policy.NextPoint(due, that date). Zero if none.
	TriggeredOn civil.Date
	// Remindable reports whether the payer has anything to remind of now;
	// the daily cadence sends on it alone (Cadence.EveryWindow).
	Remindable bool
	// SMS marks the SMS channel, which has quiet hours.
	SMS bool
	// StaleAfter is how late a slot may still be sent; 0 means 24 h.
	StaleAfter time.Duration
}

// Decision says whether to send a payer a digest now, and for which slot.
type Decision struct {
	Send bool
	// Slot is the window instant in UTC; with payer and channel it is the
	// digest's idempotency key. Set whenever a window was found, also on a
	// skip, so that an expired slot can be recorded as such.
	Slot time.Time
	// Reason is empty when Send, else one of the Reason constants.
	Reason string
}

// Decide applies the digest rules for one payer at now. All windows missed
// since the previous digest collapse into the current one (the latest window
// at or before now): a payer gets at most one catch-up digest, and none when
// even that window is older than the stale limit.
func Decide(now time.Time, in DueInput) Decision {
	s := in.Schedule
	slot, ok := s.CurrentWindow(now)
	if !ok {
		return Decision{Reason: ReasonNoWindowYet}
	}
	skip := func(reason string) Decision { return Decision{Slot: slot, Reason: reason} }

	if !in.PreviousSlot.IsZero() && !slot.After(in.PreviousSlot) {
		return skip(ReasonAlreadySent)
	}
	if s.cadence().EveryWindow() {
		if !in.Remindable {
			return skip(ReasonNothingRemindable)
		}
	} else {
		switch {
		case in.TriggeredOn.IsZero():
			return skip(ReasonNotTriggered)
		case in.TriggeredOn.After(s.LocalDate(slot)):
			// A reminder point belongs to the first window on or after its
			// day, never to an earlier one: no digest at 00:01 for a point
			// that falls today.
			return skip(ReasonNoWindowYet)
		}
	}
	stale := in.StaleAfter
	if stale <= 0 {
		stale = DefaultStaleAfter
	}
	if now.Sub(slot) > stale {
		return skip(ReasonSlotExpired)
	}
	// Intervals are measured between slots, not send times: windows sit on
	// a fixed grid and sends lag them by seconds, so Monday 09:00:40 to
	// Thursday 09:00:05 must count as the 72 h it is meant to be. And on
	// payer-local clocks, so a DST weekend does not push Monday to Tuesday.
	if !in.PreviousSlot.IsZero() && wallSince(slot, in.PreviousSlot, s.loc()) < s.MinInterval {
		return skip(ReasonMinInterval)
	}
	// Measured from the slot too, so a held-back digest waits for the next
	// window instead of going out at the minute the 24 h end.
	if !in.LastAction.IsZero() && in.LastAction.After(slot.Add(-ActionQuiet)) {
		return skip(ReasonRecentAction)
	}
	if in.SMS && !SMSAllowed(now, s.loc()) {
		return skip(ReasonQuietHours)
	}
	return Decision{Send: true, Slot: slot}
}
