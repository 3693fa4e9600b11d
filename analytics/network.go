package analytics

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/duehub/duehub/civil"
)

// Network benchmarks: a few of a vendor's figures beside the median and
// quartiles of the same figure over the vendors of similar size — those
// that billed about as many invoices in the period (SizeClasses). A
// benchmark is shown only when at least MinBenchmarkVendors vendors of the
// class have the figure; it is an aggregate (25th, 50th, 75th percentile
// by linear interpolation) and never names, counts per vendor or shows
// any one vendor's or payer's data. Each figure is computed for every
// vendor by one grouped SQL aggregate over the whole network, the period's
// days counted in UTC (a vendor's own figures elsewhere use its time zone,
// so "you" here can differ from the page's figure by a day at the edges);
// the network's values are kept NetworkTTL, as they move slowly and cost
// a scan of the period's invoices; past it they are still answered while
// one background pass computes them again, so only the first request of a
// period and day waits for the scan. A vendor's own report never reads
// another vendor's rows: only this function does, and only to aggregate.

// MinBenchmarkVendors is the fewest vendors a benchmark is computed from.
const MinBenchmarkVendors = 10

// NetworkTTL is how long the network's per-vendor values are reused.
const NetworkTTL = 10 * time.Minute

// SizeClasses are the bounds of invoices billed in the period: a vendor
// is compared with the vendors in its own class.
var SizeClasses = []struct {
	Min, Max int64
	Label    string
}{{1, 99, "1–99 invoices"}, {100, 999, "100–999 invoices"}, {1000, 9999, "1,000–9,999 invoices"}, {10000, 1 << 62, "10,000 or more invoices"}}

// BenchmarkFigures name the benchmarked figures, in the order shown.
var BenchmarkFigures = []string{"share_paid_late", "avg_days_late", "at_risk_rate", "invoice_accuracy", "first_reply_median_hours",
	"share_paid_within_7_days_of_digest"}

// Benchmark is one figure of the vendor beside its class's quartiles.
type Benchmark struct {
	Figure string
	// Value is the vendor's own figure by the network's definition; nil
	// when the vendor has none.
	Value *float64
	// Vendors is how many vendors of the class have the figure; P25,
	// Median and P75 are nil when fewer than MinBenchmarkVendors do.
	Vendors          int
	P25, Median, P75 *float64
}

// Benchmarks is the vendor's size class and its figures' benchmarks.
type Benchmarks struct {
	SizeClass string // "" when the vendor billed nothing in the period
	Figures   []Benchmark
}

type networkValues struct {
	at     time.Time
	billed map[int64]int64
	values map[string]map[int64]float64
}

type networkCache struct {
	mu         sync.Mutex
	entries    map[string]networkValues
	refreshing map[string]bool // keys a background pass is computing
}

// networkRefreshTimeout bounds a background pass.
const networkRefreshTimeout = 2 * time.Minute

// Benchmarks returns the vendor's network benchmarks over p.
func (s *Store) Benchmarks(ctx context.Context, vendorID int64, p Period) (Benchmarks, error) {
	nv, err := s.network(ctx, p)
	if err != nil {
		return Benchmarks{}, err
	}
	var out Benchmarks
	own := nv.billed[vendorID]
	class := -1
	for i, c := range SizeClasses {
		if own >= c.Min && own <= c.Max {
			class, out.SizeClass = i, c.Label
		}
	}
	for _, fig := range BenchmarkFigures {
		b := Benchmark{Figure: fig}
		if v, ok := nv.values[fig][vendorID]; ok {
			b.Value = ptr(v)
		}
		if class >= 0 {
			var peers []float64
			for id, v := range nv.values[fig] {
				if n := nv.billed[id]; n >= SizeClasses[class].Min && n <= SizeClasses[class].Max {
					peers = append(peers, v)
				}
			}
			b.Vendors = len(peers)
			if len(peers) >= MinBenchmarkVendors {
				b.P25, b.Median, b.P75 = ptr(round1(quantile(peers, 0.25))), ptr(round1(quantile(peers, 0.5))), ptr(round1(quantile(peers, 0.75)))
			}
		}
		out.Figures = append(out.Figures, b)
	}
	return out, nil
}

// network computes (or reuses) every vendor's benchmarked figures over p.
// Values older than NetworkTTL are answered as they are while a
// background pass (one per key) replaces them.
func (s *Store) network(ctx context.Context, p Period) (networkValues, error) {
	now := s.now().UTC()
	key := p.From.String() + "|" + p.To.String() + "|" + p.Currency + "|" + civil.Of(now).String()
	s.cache.mu.Lock()
	e, ok := s.cache.entries[key]
	stale := ok && (now.Sub(e.at) >= NetworkTTL || now.Before(e.at))
	refresh := stale && !s.cache.refreshing[key]
	if refresh {
		if s.cache.refreshing == nil {
			s.cache.refreshing = map[string]bool{}
		}
		s.cache.refreshing[key] = true
	}
	s.cache.mu.Unlock()
	if !ok {
		return s.computeNetwork(ctx, key, p, now)
	}
	if refresh {
		go func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), networkRefreshTimeout)
			defer cancel()
			// A failed pass leaves the old values; the next request tries again.
			_, _ = s.computeNetwork(ctx, key, p, now)
			s.cache.mu.Lock()
			delete(s.cache.refreshing, key)
			s.cache.mu.Unlock()
		}()
	}
	return e, nil
}

// computeNetwork scans the network's figures over p as of now and keeps
// them under key.
func (s *Store) computeNetwork(ctx context.Context, key string, p Period, now time.Time) (networkValues, error) {
	q := &query{db: s.db.WithContext(ctx), pg: s.db.Dialector.Name() == "postgres", p: p, now: now, loc: time.UTC}
	q.today = civil.Of(now)
	q.start, q.end, q.lastDay = p.From.In(time.UTC), p.To.AddDays(1).In(time.UTC), p.To
	if q.end.After(now) {
		q.end, q.lastDay = now, q.today
	}
	nv := networkValues{at: now, billed: map[int64]int64{}, values: map[string]map[int64]float64{}}
	for _, f := range BenchmarkFigures {
		nv.values[f] = map[int64]float64{}
	}
	if err := q.networkInvoices(&nv); err != nil {
		return nv, fmt.Errorf("analytics: network: %w", err)
	}
	if err := q.networkPaid(&nv); err != nil {
		return nv, fmt.Errorf("analytics: network: %w", err)
	}
	if err := q.networkService(&nv); err != nil {
		return nv, fmt.Errorf("analytics: network: %w", err)
	}
	s.cache.mu.Lock()
	if s.cache.entries == nil || len(s.cache.entries) > 64 {
		s.cache.entries = map[string]networkValues{}
	}
	s.cache.entries[key] = nv
	s.cache.mu.Unlock()
	return nv, nil
}

// networkInvoices counts each vendor's invoices billed in the period (its
// size), the share with a question or dispute, and the at-risk rate of
// those billed at least 91 days ago.
func (q *query) networkInvoices(nv *networkValues) error {
	cf, cargs := q.currencyFilter("i.currency")
	mature := q.today.AddDays(-91)
	var rows []struct {
		VendorID                           int64
		Billed, WithThread, Mature, AtRisk int64
	}
	err := q.db.Raw(`SELECT i.vendor_id, COUNT(*) AS billed, COUNT(t.invoice_id) AS with_thread,
    SUM(CASE WHEN i.billed_on <= ? THEN 1 ELSE 0 END) AS mature,
    SUM(CASE WHEN i.billed_on <= ? AND (i.paid_at IS NULL OR `+q.daysAfter("i.paid_at", "i.billed_on")+` > 90) THEN 1 ELSE 0 END) AS at_risk
FROM invoices i LEFT JOIN (SELECT DISTINCT invoice_id FROM threads WHERE invoice_id IS NOT NULL) t ON t.invoice_id = i.id
WHERE i.status <> 'void' AND i.billed_on >= ? AND i.billed_on <= ?`+cf+`
GROUP BY i.vendor_id`, append([]any{mature, mature, q.p.From, q.lastDay}, cargs...)...).Scan(&rows).Error
	if err != nil {
		return fmt.Errorf("invoices: %w", err)
	}
	for _, r := range rows {
		nv.billed[r.VendorID] = r.Billed
		nv.values["invoice_accuracy"][r.VendorID] = *share(r.WithThread, r.Billed)
		if r.Mature > 0 {
			nv.values["at_risk_rate"][r.VendorID] = *share(r.AtRisk, r.Mature)
		}
	}
	return nil
}

// networkPaid is each vendor's share of the period's payments made after
// the due date, and the average days late of those.
func (q *query) networkPaid(nv *networkValues) error {
	cf, cargs := q.currencyFilter("i.currency")
	late := q.day("i.paid_at") + " > i.due_date"
	var rows []struct {
		VendorID   int64
		Paid, Late int64
		DaysLate   *float64
	}
	err := q.db.Raw(`SELECT i.vendor_id, COUNT(*) AS paid, SUM(CASE WHEN `+late+` THEN 1 ELSE 0 END) AS late,
    `+q.float("AVG(CASE WHEN "+late+" THEN "+q.daysAfter("i.paid_at", "i.due_date")+" END)")+` AS days_late
FROM invoices i WHERE i.status = 'paid' AND i.paid_at >= ? AND i.paid_at < ?`+cf+`
GROUP BY i.vendor_id`, append([]any{q.start, q.end}, cargs...)...).Scan(&rows).Error
	if err != nil {
		return fmt.Errorf("payments: %w", err)
	}
	for _, r := range rows {
		nv.values["share_paid_late"][r.VendorID] = *share(r.Late, r.Paid)
		if r.DaysLate != nil {
			nv.values["avg_days_late"][r.VendorID] = round1(*r.DaysLate)
		}
	}
	return nil
}

// networkService is each vendor's median first reply (threads opened in
// the period) and share of invoices paid within 7 days of a digest that
// carried them.
func (q *query) networkService(nv *networkValues) error {
	var threads []struct {
		VendorID                   int64
		CreatedAt, FirstResponseAt time.Time
	}
	err := q.db.Raw(`SELECT vendor_id, created_at, first_response_at FROM threads
WHERE created_at >= ? AND created_at < ? AND first_response_at IS NOT NULL ORDER BY vendor_id`, q.start, q.end).Scan(&threads).Error
	if err != nil {
		return fmt.Errorf("threads: %w", err)
	}
	hours := map[int64][]float64{}
	for _, t := range threads {
		hours[t.VendorID] = append(hours[t.VendorID], t.FirstResponseAt.Sub(t.CreatedAt).Hours())
	}
	for id, hs := range hours {
		nv.values["first_reply_median_hours"][id] = round1(quantile(hs, 0.5))
	}
	cf, cargs := q.currencyFilter("i.currency")
	until := q.now.Add(-ReminderWindow)
	if q.end.Before(until) {
		until = q.end
	}
	var rows []struct{ VendorID, Invoices, Paid int64 }
	err = q.db.Raw(`SELECT d.vendor_id, COUNT(DISTINCT d.invoice_id) AS invoices,
    COUNT(DISTINCT CASE WHEN i.paid_at IS NOT NULL AND `+q.within("d.sent_at", "i.paid_at", 7)+` THEN d.invoice_id END) AS paid
FROM digest_invoices d JOIN invoices i ON i.id = d.invoice_id
WHERE d.sent_at >= ? AND d.sent_at < ?`+cf+` GROUP BY d.vendor_id`, append([]any{q.start, until}, cargs...)...).Scan(&rows).Error
	if err != nil {
		return fmt.Errorf("digests: %w", err)
	}
	for _, r := range rows {
		if r.Invoices > 0 {
			nv.values["share_paid_within_7_days_of_digest"][r.VendorID] = *share(r.Paid, r.Invoices)
		}
	}
	return nil
}
