package bundler

import (
	"time"

	"github.com/duehub/duehub/civil"
)

// Reasons to write: everything that makes a regular digest worth sending is
// decided here, and only here (issue 11, "nothing for nothing"). A payer has
// a reason when, since its previous digest, one of its remindable invoices
// reached a point (mentionPoint) or something happened it should know
// (news: an answer waiting, a hold lifted or expired). The rhythm, not the
// reasons, decides when the digest goes out (Decide).

// mentioned is what the payer's messages already said of an invoice, by
// payer-local day: whether one listed it before its due date, and the day
// of the latest that listed it overdue (zero if none).
type mentioned struct {
	before  bool
	overdue civil.Date
}

// mentionedOf reads what hist (the payer's sent messages) said of the
// invoice id due on due.
func mentionedOf(s Schedule, hist *listed, id int64, due civil.Date) mentioned {
	if hist == nil {
		return mentioned{}
	}
	var m mentioned
	if at, ok := hist.first[id]; ok && s.LocalDate(at).Before(due) {
		m.before = true
	}
	if at, ok := hist.last[id]; ok && s.LocalDate(at).After(due) {
		m.overdue = s.LocalDate(at)
	}
	return m
}

// OverdueQuiet is how many days an invoice the payer was told is overdue
// is no reason by itself to write again: its vendor's later points in
// those days are mentioned by the digests that go out anyway, and the
// first of them after it brings a digest. A payer whose only news is that
// the same invoice is still overdue hears of it every other week, not
// every week (issue 11: "rarely and usefully").
const OverdueQuiet = 14

// mentionPoint returns the first day strictly after after (zero: since the
// beginning) on which an invoice due on due, first seen by the hub on
// entered, is a reason to write to its payer; lead is the schedule's
// LeadDays and m what the payer was already told. False when none is left.
//
// The vendor's policy decides what is worth mentioning: each of its points
// is a reason, but news only — a point before the due date of an invoice
// already listed as upcoming is not (the payer knows it is coming; the due
// date itself is news),
// and a point once overdue waits for OverdueQuiet days after the payer was
// last told it is overdue. Coverage by construction adds two points whatever
// the policy: lead days before the due date until it is listed as upcoming,
// and the day after it until it is listed as overdue (coveragePoint).
func mentionPoint(pol Policy, due, entered, after civil.Date, lead int, m mentioned) (civil.Date, bool) {
	pt, ok := pol.NextPoint(due, after)
	if ok && pt.Before(due) && m.before {
		from := due.AddDays(-1) // the due date itself stays news
		if after.After(from) {
			from = after
		}
		pt, ok = pol.NextPoint(due, from)
	}
	if ok && pt.After(due) && !m.overdue.IsZero() {
		if quiet := m.overdue.AddDays(OverdueQuiet); quiet.After(pt) {
			pt = quiet
		}
	}
	if c, cok := coveragePoint(due, entered, after, lead, m); cok && (!ok || c.Before(pt)) {
		pt, ok = c, true
	}
	return pt, ok
}

// reasonDay returns the earliest payer-local day on which the payer had a
// reason to hear from the hub since its previous digest (slot prev, zero if
// none): an invoice reaching a point on or before today, an answer waiting,
// a hold lifted (news, by the day of the window it belongs to: newsDay).
// hist is what the payer's sent messages listed (nil: nothing). Zero if
// there is none.
func reasonDay(sched Schedule, policies map[int64]Policy, rows []openRow, hist *listed, nw *news, prev time.Time, today civil.Date) civil.Date {
	after := sched.LocalDate(prev)
	lead := sched.LeadDays()
	var first civil.Date
	earlier := func(d civil.Date) {
		if first.IsZero() || d.Before(first) {
			first = d
		}
	}
	for _, row := range rows {
		if row.held || row.muted {
			continue
		}
		m := mentionedOf(sched, hist, row.invoiceID, row.due)
		entered := sched.LocalDate(row.created.Time)
		if pt, ok := mentionPoint(policies[row.vendorID], row.due, entered, after, lead, m); ok && !pt.After(today) {
			earlier(pt)
		}
		// Issue 16: a high-risk invoice not yet listed as upcoming is
		// mentioned earlier, within the payer's rhythm.
		if pt, ok := earlyPoint(row.due, entered, after, lead, row.advance); ok && !m.before && !pt.After(today) {
			earlier(pt)
		}
	}
	if nw == nil || prev.IsZero() {
		// A first digest needs no news to tell: its invoices bring it.
		return first
	}
	news := func(t time.Time) {
		if t.After(prev) {
			if d, ok := newsDay(sched, t); ok {
				earlier(d)
			}
		}
	}
	for _, t := range nw.answers {
		news(t)
	}
	for _, row := range rows {
		if t, ok := nw.lifted[row.invoiceID]; ok && !row.held && !row.muted {
			news(t)
		}
	}
	return first
}
