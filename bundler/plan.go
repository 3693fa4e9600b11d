package bundler

import (
	"context"
	"fmt"
	"time"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// Skip reasons decided by the planner itself, besides Decide's.
const (
	ReasonPaused      = "paused"       // the payer paused all reminders
	ReasonNoRecipient = "no_recipient" // nobody reachable on the channel (none, suppressed, no consent, turned off)
	ReasonChannelOff  = "channel_off"  // the hub runs with the channel off (DUEHUB_SMS=off on a real-email hub)
)

// Report is what one planning pass decided.
type Report struct {
	Now time.Time
	// Invalidated counts payers whose inputs changed since the last pass
	// (plan_invalidations), made due by this one.
	Invalidated int
	// Read counts payers the pass read: those due by next_plan_at, owing
	// something or not (every payer owing something, with OtherClock).
	Read int
	// Considered counts the payers read that owe at least one open invoice.
	Considered int
	// Reserved counts ledger rows newly written (digests to send).
	Reserved int
	// Skipped counts payer-channel pairs not due, by reason.
	Skipped  map[string]int
	Channels map[string]*ChannelReport
}

// ChannelReport is the planning outcome on one channel.
type ChannelReport struct {
	Considered int            `json:"considered"`
	Reserved   int            `json:"reserved"`
	Sent       int            `json:"sent"`
	Skipped    map[string]int `json:"skipped"`
}

func (rep *Report) skip(ch, reason string) {
	rep.Skipped[reason]++
	rep.Channels[ch].Skipped[reason]++
}

// openRow is one remindable-or-held invoice of a payer, read in payer order.
type openRow struct {
	payerID  int64
	vendorID int64
	due      civil.Date
	held     bool
	muted    bool
	// holdEnd is the earliest end of an active hold that ends, zero if none.
	holdEnd sqlTime
	// created is when the hub first saw the invoice.
	created sqlTime
}

// planChunk is how many payers one planning step reads before it writes
// their ledger rows.
const planChunk = 500

// Plan decides, as of now, which payers are due a digest on which channel,
// and writes a pending ledger row for each.
//
// It reads only the payers whose decision may have changed: those whose
// next_plan_at has come (or is NULL). A pass first resets next_plan_at of
// the payers the database triggers listed as changed (applyInvalidations),
// then walks the due payers in id order, planChunk at a time (keyset: id >
// the last id of the previous chunk). For each chunk it reads everything
// the decision needs with queries that are read to the end and closed,
// decides in memory, and only then, in one transaction, reserves the
// chunk's ledger rows and writes each payer's next_plan_at (nextPlanAt).
// It never writes while a read cursor is open: on SQLite the pool has a
// single connection (database.Open), so a write issued under an open cursor
// waits for a connection that its own cursor holds, forever. Short reads per
// chunk also let API requests share that connection between chunks, and
// memory is bounded by the chunk, not the number of payers or invoices. The
// ledger's unique (payer, channel, slot) key stays the only guard against
// sending twice, so concurrent planners need no coordination.
func (r *Runner) Plan(ctx context.Context) (Report, error) {
	now := r.now()
	rep := Report{Now: now, Skipped: map[string]int{}, Channels: map[string]*ChannelReport{}}
	var channels []string
	for _, ch := range []notify.Channel{notify.Email, notify.SMS} {
		if r.cfg.Senders[ch] != nil {
			channels = append(channels, string(ch))
			rep.Channels[string(ch)] = &ChannelReport{Skipped: map[string]int{}}
		}
	}
	for _, ch := range r.cfg.Off {
		if r.cfg.Senders[ch] == nil {
			rep.Channels[string(ch)] = &ChannelReport{Skipped: map[string]int{}}
		}
	}
	// A promise whose day passed unpaid is reported broken before planning,
	// so its invoice is remindable again in this very pass.
	if _, err := r.cfg.Payers.BreakPromises(ctx, now); err != nil {
		return rep, err
	}
	if !r.cfg.OtherClock {
		n, err := r.applyInvalidations(ctx)
		if err != nil {
			return rep, err
		}
		rep.Invalidated = int(n)
	}
	// Read after the invalidations are applied: a policy changed later
	// makes its payers due again in the next pass.
	policies, err := r.loadPolicies(ctx)
	if err != nil {
		return rep, err
	}
	sms := r.cfg.Senders[notify.SMS] != nil
	var after int64
	for {
		st, ids, err := r.loadChunk(ctx, now, after, policies)
		if err != nil || len(ids) == 0 {
			return r.planned(rep, err)
		}
		rep.Read += len(ids)
		rows, err := r.openRows(ctx, now, ids)
		if err != nil {
			return rep, err
		}
		var entries []Entry
		next := make([]nextPlan, 0, len(ids))
		for _, id := range ids {
			end := 0
			for end < len(rows) && rows[end].payerID == id {
				end++
			}
			p := st.payers[id]
			at := recheckAt(now, id) // owing nothing: only a write can change that
			if end > 0 {
				rep.Considered++
				var decided []Entry
				decided, at = r.decidePayer(now, st, rows[:end], channels, sms, &rep)
				entries = append(entries, decided...)
				rows = rows[end:]
			}
			next = append(next, nextPlan{payerID: id, at: at, epoch: p.PlanEpoch})
		}
		if r.cfg.OtherClock {
			next = nil
		}
		n, err := r.commitChunk(ctx, entries, next)
		rep.Reserved += int(n)
		if err != nil || len(ids) < planChunk {
			return r.planned(rep, err)
		}
		after = ids[len(ids)-1]
	}
}

// planned logs what a finished pass skipped for a channel that is off.
func (r *Runner) planned(rep Report, err error) (Report, error) {
	for _, ch := range r.cfg.Off {
		if c := rep.Channels[string(ch)]; c != nil && c.Skipped[ReasonChannelOff] > 0 && r.cfg.Log != nil {
			r.cfg.Log.Info("digests skipped: channel off", "channel", string(ch), "reason", ReasonChannelOff,
				"payers", c.Skipped[ReasonChannelOff])
		}
	}
	return rep, err
}

// openRows reads the open invoices of the payers ids, in payer order. The
// cursor is closed when it returns.
func (r *Runner) openRows(ctx context.Context, now time.Time, ids []int64) ([]openRow, error) {
	rows, err := r.cfg.DB.WithContext(ctx).Raw(`
SELECT c.payer_id, i.vendor_id, i.due_date,
       EXISTS (SELECT 1 FROM holds h WHERE h.invoice_id = i.id AND h.released_at IS NULL
               AND (h.until IS NULL OR h.until > ?)) AS held,
       EXISTS (SELECT 1 FROM payer_mutes m WHERE m.payer_id = c.payer_id AND m.vendor_id = i.vendor_id) AS muted,
       (SELECT MIN(h.until) FROM holds h WHERE h.invoice_id = i.id AND h.released_at IS NULL
               AND h.until > ?) AS hold_end, i.created_at
FROM invoices i JOIN customers c ON c.id = i.customer_id
WHERE i.status = 'open' AND i.amount_remaining > 0 AND c.payer_id IN ?
  AND i.vendor_id NOT IN (`+vendors.InactiveVendorsSQL+`) -- issue 15: suspended vendors leave digests
ORDER BY c.payer_id`, now, now, ids).Rows()
	if err != nil {
		return nil, fmt.Errorf("bundler: read invoices: %w", err)
	}
	defer rows.Close()
	var out []openRow
	for rows.Next() {
		var row openRow
		if err := rows.Scan(&row.payerID, &row.vendorID, &row.due, &row.held, &row.muted, &row.holdEnd, &row.created); err != nil {
			return nil, fmt.Errorf("bundler: scan invoice: %w", err)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("bundler: read invoices: %w", err)
	}
	return out, nil
}

// decidePayer applies the rules to one payer's open invoices on every
// channel, and says when to decide again (nextPlanAt). sms tells whether
// the SMS channel is planned, which brings quiet hours into play.
func (r *Runner) decidePayer(now time.Time, st *planState, rows []openRow, channels []string, sms bool, rep *Report) ([]Entry, time.Time) {
	payerID := rows[0].payerID
	p := st.payers[payerID]
	sched := r.scheduleOf(p.Payer)
	var holdEnds []time.Time
	for _, row := range rows {
		if !row.holdEnd.IsZero() {
			holdEnds = append(holdEnds, row.holdEnd.Time)
		}
	}
	urgent := p.UrgentEnabled && sched.Urgent()
	next := nextPlanAt(now, sched, payerID, p.PausedUntil, holdEnds, sms, urgent, r.cfg.StaleAfter)
	today := sched.LocalDate(now)
	lead := sched.LeadDays()
	paused := p.PausedUntil != nil && p.PausedUntil.After(now)
	for _, ch := range r.cfg.Off {
		c := string(ch)
		if r.cfg.Senders[ch] != nil || !st.reachable[c][payerID] || (ch == notify.SMS && !p.SMSEnabled) || (ch == notify.Email && !p.EmailEnabled) {
			continue
		}
		rep.Channels[c].Considered++
		rep.skip(c, ReasonChannelOff)
	}
	var out []Entry
	for _, ch := range channels {
		rep.Channels[ch].Considered++
		switch {
		case paused:
			rep.skip(ch, ReasonPaused)
			continue
		case !st.reachable[ch][payerID] || (ch == string(notify.Email) && !p.EmailEnabled) || (ch == string(notify.SMS) && !p.SMSEnabled):
			rep.skip(ch, ReasonNoRecipient)
			continue
		}
		prev := st.previous[slotKey{payerID, ch}]
		after := sched.LocalDate(prev)
		var triggered civil.Date
		remindable, fellDue := false, false
		crowded := 0
		for _, row := range rows {
			if !row.held && !row.muted && !row.due.After(today.AddDays(Window)) {
				crowded++
			}
		}
		for _, row := range rows {
			if row.held || row.muted {
				continue
			}
			if !row.due.After(today.AddDays(Window)) {
				remindable = true
			}
			pt, ok := st.policies[row.vendorID].NextPoint(row.due, after)
			if ok && !pt.After(today) && (triggered.IsZero() || pt.Before(triggered)) {
				triggered = pt
			}
			// Coverage by construction: listed before it falls due and once
			// overdue, whatever the vendor's policy says.
			if pt, ok := coveragePoint(row.due, sched.LocalDate(row.created.Time), after, lead); ok && !pt.After(today) && (triggered.IsZero() || pt.Before(triggered)) {
				triggered = pt
			}
			if urgent && unannounced(row.due, sched.LocalDate(row.created.Time), after, today, crowded > MaxLines) {
				fellDue = true
			}
		}
		in := DueInput{Schedule: sched, PreviousSlot: prev, TriggeredOn: triggered, Remindable: remindable,
			SMS: ch == string(notify.SMS), StaleAfter: r.cfg.StaleAfter}
		if p.LastActionAt != nil {
			in.LastAction = *p.LastActionAt
		}
		d := Decide(now, in)
		if !d.Send && urgent && fellDue {
			u := UrgentInput{Schedule: sched, PreviousSlot: prev, PreviousUrgent: st.urgent[slotKey{payerID, ch}],
				LastAction: in.LastAction, Unannounced: true, SMS: in.SMS, StaleAfter: r.cfg.StaleAfter}
			if slot, ok := DecideUrgent(now, u); ok {
				out = append(out, Entry{PayerID: payerID, Channel: ch, Slot: slot, Kind: KindUrgent, Status: StatusPending, CreatedAt: now, UpdatedAt: now})
				rep.Channels[ch].Reserved++
				continue
			}
		}
		if !d.Send {
			rep.skip(ch, d.Reason)
			continue
		}
		out = append(out, Entry{PayerID: payerID, Channel: ch, Slot: d.Slot.UTC(), Kind: KindRegular, Status: StatusPending, CreatedAt: now, UpdatedAt: now})
		rep.Channels[ch].Reserved++
	}
	return out, next
}

type slotKey struct {
	payerID int64
	channel string
}

// planState is what deciding one chunk of payers needs besides their
// invoices: the chunk's payers and their previous slots and reachability,
// and every vendor's policy.
type planState struct {
	payers   map[int64]plannedPayer
	policies map[int64]Policy
	previous map[slotKey]time.Time
	// urgent is the slot of each payer's previous "due now" message.
	urgent    map[slotKey]time.Time
	reachable map[string]map[int64]bool
}

// loadPolicies reads every vendor's reminder policy, once per pass.
func (r *Runner) loadPolicies(ctx context.Context) (map[int64]Policy, error) {
	var vs []vendors.Vendor
	if err := r.cfg.DB.WithContext(ctx).Select("id", "reminder_offsets", "reminder_repeat_days").Find(&vs).Error; err != nil {
		return nil, fmt.Errorf("bundler: load policies: %w", err)
	}
	policies := make(map[int64]Policy, len(vs))
	for _, v := range vs {
		offsets, err := vendors.ParseOffsets(v.ReminderOffsets)
		if err != nil {
			return nil, fmt.Errorf("bundler: policy of vendor %d: %w", v.ID, err)
		}
		policies[v.ID] = Policy{Offsets: offsets, RepeatDays: v.ReminderRepeatDays}
	}
	return policies, nil
}

// plannedPayer is a payer as the planner reads it: with the plan_epoch its
// decision is made on.
type plannedPayer struct {
	payers.Payer
	PlanEpoch int64
}

// loadChunk reads the next planChunk payers due by next_plan_at (with
// OtherClock: owing at least one open invoice) with ids above after, with
// their previous slots and reachability. ids are the chunk's payer ids in
// order, none when no payer is left. Every query is read to the end before
// it returns.
func (r *Runner) loadChunk(ctx context.Context, now time.Time, after int64, policies map[int64]Policy) (*planState, []int64, error) {
	db := r.cfg.DB.WithContext(ctx)
	st := &planState{
		payers:    map[int64]plannedPayer{},
		policies:  policies,
		previous:  map[slotKey]time.Time{},
		urgent:    map[slotKey]time.Time{},
		reachable: map[string]map[int64]bool{"email": {}, "sms": {}},
	}
	q := db.Table("payers").Where("payers.id > ?", after)
	if r.cfg.OtherClock {
		q = q.Where(`EXISTS (SELECT 1 FROM customers c JOIN invoices i ON i.customer_id = c.id
			WHERE c.payer_id = payers.id AND i.status = 'open' AND i.amount_remaining > 0)`)
	} else {
		q = q.Where("payers.next_plan_at IS NULL OR payers.next_plan_at <= ?", now)
	}
	var ps []plannedPayer
	if err := q.Order("payers.id").Limit(planChunk).Find(&ps).Error; err != nil {
		return nil, nil, fmt.Errorf("bundler: load payers: %w", err)
	}
	if len(ps) == 0 {
		return st, nil, nil
	}
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
		st.payers[p.ID] = p
	}
	var prev []struct {
		PayerID int64
		Channel string
		Kind    string
		Slot    sqlTime
	}
	err := db.Raw(`SELECT payer_id, channel, kind, MAX(slot) AS slot FROM digests
		WHERE payer_id IN ? AND status NOT IN ('expired', 'empty')
		GROUP BY payer_id, channel, kind`, ids).Scan(&prev).Error
	if err != nil {
		return nil, nil, fmt.Errorf("bundler: previous digests: %w", err)
	}
	for _, p := range prev {
		if p.Kind == KindUrgent {
			st.urgent[slotKey{p.PayerID, p.Channel}] = p.Slot.Time
		} else {
			st.previous[slotKey{p.PayerID, p.Channel}] = p.Slot.Time
		}
	}
	var emailable, textable []int64
	err = db.Raw(`SELECT DISTINCT pc.payer_id FROM payer_contacts pc
		WHERE pc.payer_id IN ? AND pc.kind = 'email'
		AND NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.channel = 'email' AND s.address = pc.value)`,
		ids).Scan(&emailable).Error
	if err != nil {
		return nil, nil, fmt.Errorf("bundler: email recipients: %w", err)
	}
	err = db.Raw(`SELECT DISTINCT c.payer_id FROM customers c
		WHERE c.payer_id IN ? AND c.sms_consent AND c.phone <> ''
		AND NOT EXISTS (SELECT 1 FROM suppressions s WHERE s.channel = 'sms' AND s.address = c.phone)`,
		ids).Scan(&textable).Error
	if err != nil {
		return nil, nil, fmt.Errorf("bundler: sms recipients: %w", err)
	}
	for _, id := range emailable {
		st.reachable["email"][id] = true
	}
	for _, id := range textable {
		st.reachable["sms"][id] = true
	}
	return st, ids, nil
}
