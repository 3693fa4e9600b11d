package bundler

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/payers"
)

// historyLookback is how far back a payer's sent digests are read to know
// what was listed: past the longest the rotation of a payer with hundreds
// of invoices takes to list them all.
const historyLookback = 180 * 24 * time.Hour

// listed is what a payer's earlier digests carried.
type listed struct {
	// slots are the slots of the payer's sent regular digests, oldest first.
	slots []time.Time
	// last is, per invoice, the slot of the latest digest or "due now"
	// message that listed it; first that of the earliest.
	last, first map[int64]time.Time
}

// ever reports whether a message listed the invoice id (in
// historyLookback); false on a nil listing.
func (l *listed) ever(id int64) bool {
	if l == nil {
		return false
	}
	_, ok := l.last[id]
	return ok
}

// before returns what was listed by the digests sent before slot: the
// previous digest's slot (zero if none) and each invoice's latest listing.
func (l listed) before(slot time.Time) (prev time.Time, last map[int64]time.Time) {
	for _, s := range l.slots {
		if s.Before(slot) {
			prev = s
		}
	}
	return prev, l.last
}

// listingsOf reads, for the payers ids, what their sent digests of the last
// historyLookback listed (on any channel: an email and an SMS of one slot
// carry the same invoices).
func (r *Runner) listingsOf(ctx context.Context, ids []int64, now time.Time) (map[int64]*listed, error) {
	out := make(map[int64]*listed, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		PayerID    int64
		Slot       sqlTime
		Kind       string
		InvoiceIDs string
	}
	db := r.cfg.DB.WithContext(ctx)
	err := db.Raw(`SELECT payer_id, slot, kind, invoice_ids FROM digests
		WHERE payer_id IN ? AND status = 'sent' AND slot > ? ORDER BY payer_id, slot`,
		ids, now.Add(-historyLookback)).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("bundler: listings: %w", err)
	}
	get := func(id int64) *listed {
		l := out[id]
		if l == nil {
			l = &listed{last: map[int64]time.Time{}, first: map[int64]time.Time{}}
			out[id] = l
		}
		return l
	}
	for _, row := range rows {
		l := get(row.PayerID)
		if row.Kind != KindUrgent {
			l.slots = append(l.slots, row.Slot.Time)
		}
		for s := range strings.SplitSeq(row.InvoiceIDs, ",") {
			if id, err := strconv.ParseInt(s, 10, 64); err == nil {
				l.last[id] = row.Slot.Time
				if _, ok := l.first[id]; !ok {
					l.first[id] = row.Slot.Time
				}
			}
		}
	}
	return out, nil
}

// rank orders a remindable invoice for the rotation of a payer with more
// than MaxLines: lower ranks are listed first.
//   - 0: due before the next regular digest and never listed: now or never
//     announced before its due date;
//   - 1: overdue and not listed since it fell due;
//   - 2: due later and never listed;
//   - 3: the rest, least recently listed first.
func rank(o payers.OpenInvoice, today, next civil.Date, lastDay civil.Date, listedEver bool) int {
	switch {
	case !o.DueDate.Before(today) && !listedEver && !o.DueDate.After(next):
		return 0
	case o.DueDate.Before(today) && !lastDay.After(o.DueDate):
		return 1
	case !o.DueDate.Before(today) && !listedEver:
		return 2
	}
	return 3
}

// rotation picks the MaxLines remindable invoices a digest lists when there
// are more: most urgent first, then those not listed yet, then those listed
// longest ago. cands are the remindable invoices within the horizon, in
// due-date order; it returns the ids to list.
func rotation(cands []payers.OpenInvoice, last map[int64]time.Time, sched Schedule, today, next civil.Date) map[int64]bool {
	type cand struct {
		id   int64
		rank int
		last time.Time
		due  civil.Date
	}
	cs := make([]cand, len(cands))
	for i, o := range cands {
		at, ever := last[o.InvoiceID]
		cs[i] = cand{id: o.InvoiceID, rank: rank(o, today, next, sched.LocalDate(at), ever), last: at, due: o.DueDate}
	}
	slices.SortStableFunc(cs, func(a, b cand) int {
		if a.rank != b.rank {
			return a.rank - b.rank
		}
		if c := a.last.Compare(b.last); a.rank == 3 && c != 0 {
			return c
		}
		return a.due.Compare(b.due)
	})
	pick := make(map[int64]bool, MaxLines)
	for _, c := range cs[:min(MaxLines, len(cs))] {
		pick[c.id] = true
	}
	return pick
}
