package bundler

import (
	"context"
	"fmt"
	"time"

	"github.com/duehub/duehub/civil"
)

// Changes opens a digest: what changed since the payer's previous one.
type Changes struct {
	// Since is the payer-local day of the previous digest; zero for a
	// payer's first digest, which has no such section.
	Since civil.Date
	// New counts remindable invoices no earlier digest listed.
	New int
	// NewlyOverdue counts invoices that fell due since the previous digest.
	NewlyOverdue int
	// Answers counts the payer's threads (questions, disputes) a vendor
	// answered since the previous digest, with no reply from the payer
	// after that answer: answers waiting to be read. A muted vendor's
	// answers are not counted: the digest does not list that vendor.
	Answers int
	// HoldsLifted counts invoices back in the reminders since the previous
	// digest: their hold (dispute, promise, reported payment) was released
	// or ended, and they are open, not held otherwise and not muted.
	HoldsLifted int
}

// Any reports whether there is something to say.
func (c Changes) Any() bool { return c.New+c.NewlyOverdue+c.Answers+c.HoldsLifted > 0 }

// changeLookback bounds how far back answers and lifted holds are read: past
// the longest gap between two regular digests (a monthly payment run) and
// its stale limit. Older news is no reason to write.
const changeLookback = 35 * 24 * time.Hour

// news is what happened to a payer, besides its invoices reaching policy
// points, that it should hear of in its next digest and that is a reason to
// send one (item 4 of issue 11: "a new answer, a hold lifted or expired").
type news struct {
	// answers holds, per thread with an answer waiting, the instant of the
	// vendor's latest message.
	answers []time.Time
	// lifted holds, per invoice, the instant its latest hold was released
	// or ended. Whether the invoice is remindable again is for the caller.
	lifted map[int64]time.Time
}

// newsOf reads the news of the payers ids up to now: answers waiting on
// their threads and holds lifted on their invoices, over changeLookback.
// Both the planner (a reason to send) and the digest (its opening) read it
// here, so the two cannot disagree. Payers with nothing have no entry.
func (r *Runner) newsOf(ctx context.Context, ids []int64, now time.Time) (map[int64]*news, error) {
	out := map[int64]*news{}
	if len(ids) == 0 {
		return out, nil
	}
	get := func(id int64) *news {
		n := out[id]
		if n == nil {
			n = &news{lifted: map[int64]time.Time{}}
			out[id] = n
		}
		return n
	}
	since := now.Add(-changeLookback)
	// One statement for both, so that a batch's reads stay a fixed few.
	// Answers: the vendor's latest message of each thread that the payer
	// has not replied to since, from a vendor the payer has not muted (the
	// answer itself reached the payer by email and stays marked in the
	// portal; a digest, which leaves the muted vendor out, neither counts it
	// nor goes out for it). Holds: the latest release or end per invoice.
	var rows []struct {
		Kind      string
		PayerID   int64
		InvoiceID int64
		At        sqlTime
	}
	err := r.cfg.DB.WithContext(ctx).Raw(`SELECT 'answer' AS kind, t.payer_id, 0 AS invoice_id, MAX(m.created_at) AS at
		FROM threads t JOIN thread_messages m ON m.thread_id = t.id AND m.author = 'vendor'
		WHERE t.payer_id IN ? AND m.created_at > ? AND m.created_at <= ?
		AND NOT EXISTS (SELECT 1 FROM thread_messages p WHERE p.thread_id = t.id AND p.author = 'payer'
		                AND p.created_at > m.created_at)
		AND NOT EXISTS (SELECT 1 FROM payer_mutes pm WHERE pm.payer_id = t.payer_id AND pm.vendor_id = t.vendor_id)
		GROUP BY t.payer_id, t.id
		UNION ALL
		SELECT 'hold' AS kind, payer_id, invoice_id, MAX(COALESCE(released_at, until)) AS at FROM holds
		WHERE payer_id IN ? AND ((released_at > ? AND released_at <= ?)
		                         OR (released_at IS NULL AND until > ? AND until <= ?))
		GROUP BY payer_id, invoice_id`, ids, since, now, ids, since, now, since, now).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("bundler: answers and lifted holds: %w", err)
	}
	for _, row := range rows {
		n := get(row.PayerID)
		if row.Kind == "answer" {
			n.answers = append(n.answers, row.At.Time)
		} else {
			n.lifted[row.InvoiceID] = row.At.Time
		}
	}
	return out, nil
}

// within reports whether t falls in (after, through]: news between the
// previous digest's slot and this one's belongs to this one.
func within(t, after, through time.Time) bool { return t.After(after) && !t.After(through) }

// newsDay is the payer-local day of the first window at or after t: the
// digest news at t belongs to. News that comes after a window waits for the
// next one rather than bringing a late digest for a window that passed.
func newsDay(s Schedule, t time.Time) (civil.Date, bool) {
	w, ok := s.NextWindow(t.Add(-time.Nanosecond))
	if !ok {
		return civil.Date{}, false
	}
	return s.LocalDate(w), true
}
