package bench

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// The mission figure. A network generated around the first day is played
// day by day: invoices enter the hub when issued, are paid or disputed when
// the generator says, and once a day, at 10:00 UTC, the real planner runs
// and every digest it reserves is built and sent (to a sender that
// discards). The status quo is counted from the same invoices and the same
// vendor policies, without the hub:
//
//   - status quo (the headline): each vendor reminds each of its customers
//     on its own. On a day when at least one of the customer's invoices with
//     that vendor is at a point of the vendor's policy (an offset from the due
//     date, then every repeat interval while overdue) and is open and not
//     disputed, the vendor sends that customer one message listing them, on
//     each channel the customer is reachable on (email, and SMS with consent).
//     This is the best case of today's tools, which consolidate one vendor's
//     invoices per customer at most.
//   - per invoice: the same, but one message per invoice and point (tools
//     that remind invoice by invoice).
//
// duehub's count is the digests the ledger marks sent. Coverage is read from
// what the sent digests carried (the ledger's invoice_ids).

// simReport is the simulation's outcome.
type simReport struct {
	Days                      int
	Start                     civil.Date
	Vendors, Payers, Invoices int
	StatusQuo                 int64
	StatusQuoPerInvoice       int64
	Digests                   int64
	ByChannel                 map[string]int64
	SendProblems              int64
	Eligible                  int
	Covered                   int
	EligibleBefore            int
	CoveredBefore             int
	EligibleOverdue           int
	CoveredOverdue            int
	// ByVendors splits the message counts by how many vendors bill the payer.
	ByVendors map[string]*vendorBucket
	// EligibleOthers and CoveredOthers leave out the heavy payer, whose
	// 200 invoices do not fit in a digest's bundler.MaxLines.
	EligibleOthers int
	CoveredOthers  int
	// MaxMessages7d is the most messages one payer got on one channel in
	// any 7 consecutive days; Urgent the "due now" messages sent.
	MaxMessages7d int
	Urgent        int64
	Duration      time.Duration
}

// reduction4Plus is the reduction against per-vendor reminders for the
// payers billed by 4 vendors or more.
func (r simReport) reduction4Plus() float64 {
	var quo, hub int64
	for _, name := range []string{vendorBuckets(4), vendorBuckets(8)} {
		if b := r.ByVendors[name]; b != nil {
			quo, hub = quo+b.StatusQuo, hub+b.Duehub
		}
	}
	return ratio(float64(quo), float64(hub))
}

func (r simReport) reduction() float64 { return ratio(float64(r.StatusQuo), float64(r.Digests)) }

func (r simReport) coverage() float64 { return ratio(float64(r.Covered), float64(r.Eligible)) }

const (
	evPush uint8 = iota
	evPaid
	evDispute
)

type simEvent struct {
	v, j int32
	kind uint8
}

// simInvoice is what the coverage check needs of an invoice, in days from
// the first day: when it entered the hub, fell due, and stopped being
// remindable (paid or disputed; days if never).
type simInvoice struct {
	enter, due, stop int32
	payer            int32
	before, after    bool // carried by a digest sent before its due date, after it
}

const never = int32(1 << 30)

// simulate plays the network of cfg for days days.
func simulate(ctx context.Context, h Hub, s *server, cfg netConfig, days, workers int, progress func(string, ...any)) (simReport, error) {
	began := time.Now()
	n := newNetwork(cfg)
	rep := simReport{Days: days, Start: cfg.Ref, Vendors: len(n.vendors), Payers: n.payers, ByChannel: map[string]int64{}}
	vk, err := createVendors(ctx, h, n)
	if err != nil {
		return rep, err
	}
	dayOf := func(d civil.Date) int32 {
		if d.IsZero() {
			return never
		}
		return int32(cfg.Ref.DaysUntil(d))
	}
	channels := func(p int32) int64 {
		c := n.customer(p)
		k := int64(0)
		if c.Email != "" {
			k++
		}
		if c.SMSConsent {
			k++
		}
		return k
	}

	// Plan the days, and count the status quo, from the generator alone.
	events := make([][]simEvent, days)
	invs := make([][]simInvoice, len(n.vendors))
	type reminder struct{ v, p int32 }
	reminders := make([][]reminder, days)
	quoOf := make([]int64, n.payers)
	last := cfg.Ref.AddDays(days - 1)
	for v := range n.vendors {
		gv := n.vendors[v]
		policy := bundler.Policy{Offsets: gv.Offsets, RepeatDays: gv.RepeatDays}
		invs[v] = make([]simInvoice, n.invoices[v])
		for j := range n.invoices[v] {
			inv := n.invoice(v, j)
			si := simInvoice{enter: max(0, dayOf(inv.Issue)), due: dayOf(inv.Due), stop: min(dayOf(inv.Paid), dayOf(inv.Disputed)), payer: inv.Payer}
			invs[v][j] = si
			if si.enter >= int32(days) {
				continue
			}
			rep.Invoices++
			events[si.enter] = append(events[si.enter], simEvent{int32(v), int32(j), evPush})
			if pd := dayOf(inv.Paid); pd < int32(days) {
				events[pd] = append(events[pd], simEvent{int32(v), int32(j), evPaid})
			}
			if dd := dayOf(inv.Disputed); dd < int32(days) && dd < dayOf(inv.Paid) {
				dd = max(dd, si.enter)
				events[dd] = append(events[dd], simEvent{int32(v), int32(j), evDispute})
			}
			for _, pt := range policy.PointsBetween(inv.Due, cfg.Ref.AddDays(-1), last) {
				if d := dayOf(pt); d >= si.enter && d < si.stop {
					reminders[d] = append(reminders[d], reminder{int32(v), inv.Payer})
					rep.StatusQuoPerInvoice += channels(inv.Payer)
				}
			}
		}
	}
	for d := range reminders {
		rs := reminders[d]
		slices.SortFunc(rs, func(a, b reminder) int {
			if a.v != b.v {
				return int(a.v - b.v)
			}
			return int(a.p - b.p)
		})
		for i, r := range rs {
			if i == 0 || r != rs[i-1] {
				rep.StatusQuo += channels(r.p)
				quoOf[r.p] += channels(r.p)
			}
		}
		reminders[d] = nil
	}

	// Play the days through the hub, every store on the simulated clock: an
	// invoice's first-seen time and a hold's start are the day they happen.
	var clock atomic.Pointer[time.Time]
	simNow := func() time.Time { return *clock.Load() }
	h.Payers = payers.NewStore(h.DB.Gorm, simNow)
	h.Vendors = vendors.NewStore(h.DB.Gorm, h.Payers, simNow)
	d := &discard{}
	runner := h.runner(s, map[notify.Channel]notify.Sender{notify.Email: d, notify.SMS: d}, simNow)
	for day := range days {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		now := cfg.Ref.AddDays(day).In(time.UTC).Add(10 * time.Hour)
		clock.Store(&now)
		if err := applyEvents(ctx, h, n, vk, events[day]); err != nil {
			return rep, err
		}
		events[day] = nil
		if _, err := runner.Plan(ctx); err != nil {
			return rep, err
		}
		pending, err := runner.PendingEntries(ctx)
		if err != nil {
			return rep, err
		}
		problems, err := sendAll(ctx, runner, pending, workers)
		rep.SendProblems += problems
		if err != nil {
			return rep, err
		}
		if day%15 == 14 {
			progress("simulation: day %d of %d", day+1, days)
		}
	}

	// Count what was sent and what it carried.
	var byChannel []struct {
		Channel string
		N       int64
	}
	err = h.DB.Gorm.WithContext(ctx).Model(&bundler.Entry{}).Select("channel, count(*) AS n").
		Where("status = ?", bundler.StatusSent).Group("channel").Scan(&byChannel).Error
	if err != nil {
		return rep, fmt.Errorf("bench: count digests: %w", err)
	}
	for _, c := range byChannel {
		rep.ByChannel[c.Channel] = c.N
		rep.Digests += c.N
	}
	if rep.ByVendors, err = byVendorCount(ctx, h, n, quoOf); err != nil {
		return rep, err
	}
	if rep.MaxMessages7d, rep.Urgent, err = busiestWeek(ctx, h, cfg.Ref); err != nil {
		return rep, err
	}
	if err := markCarried(ctx, h, cfg.Ref, vk, invs); err != nil {
		return rep, err
	}
	for v := range invs {
		for _, si := range invs[v] {
			if si.enter >= int32(days) {
				continue
			}
			needBefore := si.enter <= si.due-7 && si.due-1 < int32(days) && si.stop > si.due-1
			// Overdue and open in the hub for a week, as before due: an
			// invoice pushed already overdue and paid the next day is not
			// one a weekly digest can be asked to have listed.
			needAfter := si.due+7 < int32(days) && si.stop > max(si.due, si.enter)+7
			if !needBefore && !needAfter {
				continue
			}
			rep.Eligible++
			if needBefore {
				rep.EligibleBefore++
				if si.before {
					rep.CoveredBefore++
				}
			}
			if needAfter {
				rep.EligibleOverdue++
				if si.after {
					rep.CoveredOverdue++
				}
			}
			covered := (!needBefore || si.before) && (!needAfter || si.after)
			if covered {
				rep.Covered++
			}
			if si.payer != 0 {
				rep.EligibleOthers++
				if covered {
					rep.CoveredOthers++
				}
			}
		}
	}
	rep.Duration = time.Since(began)
	return rep, nil
}

// applyEvents pushes the day's new and paid invoices through the vendor
// store and places the day's disputes as holds.
func applyEvents(ctx context.Context, h Hub, n *network, vk vendorKeys, evs []simEvent) error {
	byVendor := map[int32][]vendors.InvoiceInput{}
	var disputes []simEvent
	for _, e := range evs {
		inv := n.invoice(int(e.v), int(e.j))
		switch e.kind {
		case evPush:
			byVendor[e.v] = append(byVendor[e.v], n.storeInput(inv))
		case evPaid:
			in := n.storeInput(inv)
			zero := int64(0)
			in.Status, in.AmountRemaining = vendors.StatusPaid, &zero
			byVendor[e.v] = append(byVendor[e.v], in)
		case evDispute:
			disputes = append(disputes, e)
		}
	}
	for v, items := range byVendor {
		for chunk := range slices.Chunk(items, batchSize) {
			results, err := h.Vendors.PushInvoices(ctx, vk.ids[v], chunk)
			if err != nil {
				return fmt.Errorf("bench: simulation push: %w", err)
			}
			for _, r := range results {
				if r.Result == vendors.ResultError {
					return fmt.Errorf("bench: simulation invoice %s refused: %v", r.ExternalID, r.Errors)
				}
			}
		}
	}
	for _, e := range disputes {
		var row struct {
			ID      int64
			PayerID int64
		}
		err := h.DB.Gorm.WithContext(ctx).Raw(`SELECT i.id, c.payer_id FROM invoices i JOIN customers c ON c.id = i.customer_id
			WHERE i.vendor_id = ? AND i.external_id = ?`, vk.ids[e.v], n.invoice(int(e.v), int(e.j)).ExternalID).Scan(&row).Error
		if err != nil || row.ID == 0 {
			return fmt.Errorf("bench: disputed invoice: %v", err)
		}
		_, err = h.Payers.PlaceHold(ctx, row.PayerID, payers.Hold{VendorID: vk.ids[e.v], InvoiceID: row.ID, Kind: payers.HoldDispute})
		if err != nil {
			return err
		}
	}
	return nil
}

// sendAll sends the pending digests with workers goroutines, as River's send
// workers would. Digests that fail or wait for a retry are counted, not
// fatal; any other error is.
func sendAll(ctx context.Context, r *bundler.Runner, pending []bundler.PendingEntry, workers int) (int64, error) {
	ids := make(chan int64)
	var problems atomic.Int64
	var firstErr atomic.Pointer[error]
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range ids {
				outcome, err := r.Send(ctx, id)
				switch {
				case outcome == bundler.OutcomeRetry || outcome == bundler.OutcomeFailed:
					problems.Add(1)
				case err != nil:
					firstErr.CompareAndSwap(nil, &err)
				}
			}
		}()
	}
	for _, p := range pending {
		ids <- p.ID
	}
	close(ids)
	wg.Wait()
	if p := firstErr.Load(); p != nil {
		return problems.Load(), *p
	}
	return problems.Load(), nil
}

// markCarried reads every sent digest's invoice ids and marks each invoice
// as carried before or after its due date (by the UTC day it was sent).
func markCarried(ctx context.Context, h Hub, start civil.Date, vk vendorKeys, invs [][]simInvoice) error {
	vendorIndex := make(map[int64]int, len(vk.ids))
	for v, id := range vk.ids {
		vendorIndex[id] = v
	}
	type ref struct{ v, j int32 }
	byID := map[int64]ref{}
	rows, err := h.DB.SQL.QueryContext(ctx, "SELECT id, vendor_id, external_id FROM invoices")
	if err != nil {
		return fmt.Errorf("bench: invoice ids: %w", err)
	}
	for rows.Next() {
		var id, vendorID int64
		var ext string
		if err := rows.Scan(&id, &vendorID, &ext); err != nil {
			rows.Close()
			return fmt.Errorf("bench: invoice ids: %w", err)
		}
		j, err := strconv.Atoi(strings.TrimPrefix(ext, "INV-"))
		if v, ok := vendorIndex[vendorID]; ok && err == nil {
			byID[id] = ref{int32(v), int32(j)}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("bench: invoice ids: %w", err)
	}
	sent, err := h.DB.Gorm.WithContext(ctx).Raw("SELECT invoice_ids, sent_at FROM digests WHERE status = ?", bundler.StatusSent).Rows()
	if err != nil {
		return fmt.Errorf("bench: sent digests: %w", err)
	}
	defer sent.Close()
	for sent.Next() {
		var ids string
		var at time.Time
		if err := sent.Scan(&ids, &at); err != nil {
			return fmt.Errorf("bench: sent digests: %w", err)
		}
		day := int32(start.DaysUntil(civil.Of(at.UTC())))
		for _, s := range strings.Split(ids, ",") {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				continue
			}
			r, ok := byID[id]
			if !ok {
				continue
			}
			si := &invs[r.v][r.j]
			if day < si.due {
				si.before = true
			}
			if day > si.due {
				si.after = true
			}
		}
	}
	return sent.Err()
}

// vendorBucket is the messages of the payers billed by a number of vendors.
type vendorBucket struct {
	Payers    int     `json:"payers"`
	StatusQuo int64   `json:"status_quo_messages"`
	Duehub    int64   `json:"duehub_messages"`
	Reduction float64 `json:"message_reduction"`
}

// vendorBuckets names the payers by how many vendors bill them.
func vendorBuckets(k int) string {
	switch {
	case k <= 1:
		return "1 vendor"
	case k <= 3:
		return "2-3 vendors"
	case k <= 7:
		return "4-7 vendors"
	}
	return "8+ vendors"
}

// byVendorCount splits the status quo and the digests sent by the number of
// vendors billing each payer: bundling can only help a payer with several.
func byVendorCount(ctx context.Context, h Hub, n *network, quoOf []int64) (map[string]*vendorBucket, error) {
	vendorsOf := make([]int, n.payers)
	for v := range n.vendors {
		for _, p := range n.customers[v] {
			vendorsOf[p]++
		}
	}
	var rows []struct {
		ExternalID string
		N          int64
	}
	err := h.DB.Gorm.WithContext(ctx).Raw(`SELECT c.external_id, d.n FROM
		(SELECT payer_id, count(*) AS n FROM digests WHERE status = ? GROUP BY payer_id) d
		JOIN (SELECT DISTINCT payer_id, external_id FROM customers) c ON c.payer_id = d.payer_id`, bundler.StatusSent).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("bench: digests per payer: %w", err)
	}
	sent := make([]int64, n.payers)
	for _, r := range rows {
		if p, err := strconv.Atoi(strings.TrimPrefix(r.ExternalID, "CUST-")); err == nil && p < n.payers {
			sent[p] = r.N
		}
	}
	out := map[string]*vendorBucket{}
	for p := range n.payers {
		name := vendorBuckets(vendorsOf[p])
		b := out[name]
		if b == nil {
			b = &vendorBucket{}
			out[name] = b
		}
		b.Payers++
		b.StatusQuo += quoOf[p]
		b.Duehub += sent[p]
	}
	for _, b := range out {
		b.Reduction = round(ratio(float64(b.StatusQuo), float64(b.Duehub)), 3)
	}
	return out, nil
}

// busiestWeek returns the most messages any payer got on one channel in any
// 7 consecutive days (by the UTC day they were sent), and how many of the
// messages sent were "due now" ones.
func busiestWeek(ctx context.Context, h Hub, start civil.Date) (int, int64, error) {
	rows, err := h.DB.Gorm.WithContext(ctx).Raw(`SELECT payer_id, channel, kind, sent_at FROM digests
		WHERE status = ? ORDER BY payer_id, channel, sent_at`, bundler.StatusSent).Rows()
	if err != nil {
		return 0, 0, fmt.Errorf("bench: messages per week: %w", err)
	}
	defer rows.Close()
	type key struct {
		payer   int64
		channel string
	}
	var cur key
	var days []int
	most, urgent := 0, int64(0)
	flush := func() {
		for i := range days {
			j := i
			for j < len(days) && days[j] < days[i]+7 {
				j++
			}
			most = max(most, j-i)
		}
		days = days[:0]
	}
	for rows.Next() {
		var k key
		var kind string
		var at time.Time
		if err := rows.Scan(&k.payer, &k.channel, &kind, &at); err != nil {
			return 0, 0, fmt.Errorf("bench: messages per week: %w", err)
		}
		if k != cur {
			flush()
			cur = k
		}
		if kind == "urgent" {
			urgent++
		}
		days = append(days, start.DaysUntil(civil.Of(at.UTC())))
	}
	flush()
	return most, urgent, rows.Err()
}
