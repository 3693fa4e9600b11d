package analytics

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

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
// so "you" here can differ from the page's figure by a day at the edges).
// That scan takes seconds on a large network, so no request runs it:
// RefreshNetwork computes the standard periods (NetworkPeriods, the last
// days up to the day of the pass) and keeps the vendors' values and each
// class's quartiles in the database (a nightly job, also run when the hub
// starts, in package jobs); Benchmarks only reads what was kept, for the
// standard period nearest the report's, and says when nothing was kept
// yet. A vendor's own report never reads another vendor's rows: only the
// pass does, and only to aggregate.

// MinBenchmarkVendors is the fewest vendors a benchmark is computed from.
const MinBenchmarkVendors = 10

// NetworkPeriods are the lengths in days of the periods the network's
// benchmarks are kept for: the page's last 30, 90 and 365 days.
var NetworkPeriods = []int{30, 90, 365}

// SizeClasses are the bounds of invoices billed in the period: a vendor
// is compared with the vendors in its own class.
var SizeClasses = []struct {
	Min, Max int64
	Label    string
}{{1, 99, "1–99 invoices"}, {100, 999, "100–999 invoices"}, {1000, 9999, "1,000–9,999 invoices"}, {10000, 1 << 62, "10,000 or more invoices"}}

// BenchmarkFigures name the benchmarked figures, in the order shown.
var BenchmarkFigures = []string{"share_paid_late", "avg_days_late", "at_risk_rate", "invoice_accuracy", "first_reply_median_hours",
	"share_paid_within_7_days_of_digest"}

// billedFigure is the figure a vendor's size is kept under.
const billedFigure = "billed"

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
	// Pending is true when no pass has computed the network's figures
	// yet: nothing else is set.
	Pending bool
	// Days is the length of the standard period the figures are over: the
	// Days days up to From and To, UTC days, as of ComputedAt.
	Days       int
	From, To   civil.Date
	ComputedAt time.Time
	SizeClass  string // "" when the vendor billed nothing in the period
	Figures    []Benchmark
}

// NetworkDays is the standard period whose benchmarks go with a report
// over p: the one nearest in length (the longer one on a tie).
func NetworkDays(p Period) int {
	best := NetworkPeriods[0]
	for _, d := range NetworkPeriods[1:] {
		if abs(d-p.Days()) <= abs(best-p.Days()) {
			best = d
		}
	}
	return best
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// Benchmarks returns the vendor's network benchmarks over the standard
// period nearest p, as the last pass kept them; Pending when no pass has
// yet. It reads the vendor's own values and its class's quartiles only.
func (s *Store) Benchmarks(ctx context.Context, vendorID int64, p Period) (Benchmarks, error) {
	days := NetworkDays(p)
	db := s.db.WithContext(ctx)
	var pass []struct {
		PeriodFrom, PeriodTo string
		ComputedAt           time.Time
	}
	if err := db.Raw(`SELECT period_from, period_to, computed_at FROM network_passes WHERE period_days = ?`, days).Scan(&pass).Error; err != nil {
		return Benchmarks{}, fmt.Errorf("analytics: network pass: %w", err)
	}
	if len(pass) == 0 {
		return Benchmarks{Pending: true, Days: days}, nil
	}
	out := Benchmarks{Days: days, ComputedAt: pass[0].ComputedAt.UTC()}
	var err error
	if out.From, err = parseDay(pass[0].PeriodFrom); err != nil {
		return Benchmarks{}, fmt.Errorf("analytics: network pass: %w", err)
	}
	if out.To, err = parseDay(pass[0].PeriodTo); err != nil {
		return Benchmarks{}, fmt.Errorf("analytics: network pass: %w", err)
	}
	var own []struct {
		Figure string
		Value  float64
	}
	if err := db.Raw(`SELECT figure, value FROM network_values WHERE period_days = ? AND vendor_id = ?`, days, vendorID).Scan(&own).Error; err != nil {
		return Benchmarks{}, fmt.Errorf("analytics: network values: %w", err)
	}
	mine := map[string]float64{}
	for _, v := range own {
		mine[v.Figure] = v.Value
	}
	class := -1
	for i, c := range SizeClasses {
		if n := int64(mine[billedFigure]); n >= c.Min && n <= c.Max {
			class, out.SizeClass = i, c.Label
		}
	}
	var quartiles []struct {
		Figure           string
		Vendors          int
		P25, Median, P75 *float64
	}
	if class >= 0 {
		err := db.Raw(`SELECT figure, vendors, p25, median, p75 FROM network_quartiles WHERE period_days = ? AND size_class = ?`, days, class).
			Scan(&quartiles).Error
		if err != nil {
			return Benchmarks{}, fmt.Errorf("analytics: network quartiles: %w", err)
		}
	}
	for _, fig := range BenchmarkFigures {
		b := Benchmark{Figure: fig}
		if v, ok := mine[fig]; ok {
			b.Value = ptr(v)
		}
		for _, q := range quartiles {
			if q.Figure == fig {
				b.Vendors = q.Vendors
				// Kept only from MinBenchmarkVendors vendors; checked again
				// so that no row can show fewer.
				if q.Vendors >= MinBenchmarkVendors {
					b.P25, b.Median, b.P75 = q.P25, q.Median, q.P75
				}
			}
		}
		out.Figures = append(out.Figures, b)
	}
	return out, nil
}

// NetworkPass is one standard period a RefreshNetwork computed.
type NetworkPass struct {
	Days    int
	Vendors int // vendors with any figure
	Took    time.Duration
}

// RefreshNetwork computes the network's benchmarks of every standard
// period whose kept pass is missing or older than maxAge (0: all of them)
// and keeps them, each period replaced in one transaction. It returns the
// periods it computed.
func (s *Store) RefreshNetwork(ctx context.Context, maxAge time.Duration) ([]NetworkPass, error) {
	now := s.now().UTC()
	var kept []struct {
		PeriodDays int
		ComputedAt time.Time
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT period_days, computed_at FROM network_passes`).Scan(&kept).Error; err != nil {
		return nil, fmt.Errorf("analytics: network passes: %w", err)
	}
	var out []NetworkPass
	for _, days := range NetworkPeriods {
		fresh := false
		for _, k := range kept {
			if k.PeriodDays == days && maxAge > 0 && now.Sub(k.ComputedAt) < maxAge && !now.Before(k.ComputedAt) {
				fresh = true
			}
		}
		if fresh {
			continue
		}
		began := time.Now()
		n, err := s.refreshPeriod(ctx, days, now)
		if err != nil {
			return out, err
		}
		out = append(out, NetworkPass{Days: days, Vendors: n, Took: time.Since(began)})
	}
	return out, nil
}

// networkValue is a row of network_values.
type networkValue struct {
	PeriodDays int
	VendorID   int64
	Figure     string
	Value      float64
}

// networkQuartile is a row of network_quartiles.
type networkQuartile struct {
	PeriodDays       int
	SizeClass        int
	Figure           string
	Vendors          int
	P25, Median, P75 *float64
}

// refreshPeriod computes the last days days up to now's UTC day and
// replaces what was kept for them; it returns how many vendors have a
// figure.
func (s *Store) refreshPeriod(ctx context.Context, days int, now time.Time) (int, error) {
	today := civil.Of(now)
	p := Period{From: today.AddDays(1 - days), To: today}
	nv, err := s.computeNetwork(ctx, p, now)
	if err != nil {
		return 0, err
	}
	var values []networkValue
	for id, n := range nv.billed {
		values = append(values, networkValue{PeriodDays: days, VendorID: id, Figure: billedFigure, Value: float64(n)})
	}
	vendorsWith := map[int64]bool{}
	var quartiles []networkQuartile
	for _, fig := range BenchmarkFigures {
		peers := make([][]float64, len(SizeClasses))
		for id, v := range nv.values[fig] {
			vendorsWith[id] = true
			values = append(values, networkValue{PeriodDays: days, VendorID: id, Figure: fig, Value: v})
			for i, c := range SizeClasses {
				if n := nv.billed[id]; n >= c.Min && n <= c.Max {
					peers[i] = append(peers[i], v)
				}
			}
		}
		for i, vs := range peers {
			q := networkQuartile{PeriodDays: days, SizeClass: i, Figure: fig, Vendors: len(vs)}
			if len(vs) >= MinBenchmarkVendors {
				q.P25, q.Median, q.P75 = ptr(round1(quantile(vs, 0.25))), ptr(round1(quantile(vs, 0.5))), ptr(round1(quantile(vs, 0.75)))
			}
			quartiles = append(quartiles, q)
		}
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, table := range []string{"network_values", "network_quartiles", "network_passes"} {
			if err := tx.Exec(`DELETE FROM `+table+` WHERE period_days = ?`, days).Error; err != nil {
				return err
			}
		}
		if len(values) > 0 {
			if err := tx.Table("network_values").CreateInBatches(values, 500).Error; err != nil {
				return err
			}
		}
		if err := tx.Table("network_quartiles").CreateInBatches(quartiles, 500).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO network_passes (period_days, period_from, period_to, computed_at) VALUES (?, ?, ?, ?)`,
			days, p.From, p.To, now).Error
	})
	if err != nil {
		return 0, fmt.Errorf("analytics: keep the network's %d days: %w", days, err)
	}
	return len(vendorsWith), nil
}

type networkValues struct {
	billed map[int64]int64
	values map[string]map[int64]float64
}

// computeNetwork scans every vendor's benchmarked figures over p as of
// now, in UTC days.
func (s *Store) computeNetwork(ctx context.Context, p Period, now time.Time) (networkValues, error) {
	q := &query{db: s.db.WithContext(ctx), pg: s.db.Dialector.Name() == "postgres", p: p, now: now, loc: time.UTC}
	q.today = civil.Of(now)
	q.start, q.end, q.lastDay = p.From.In(time.UTC), p.To.AddDays(1).In(time.UTC), p.To
	if q.end.After(now) {
		q.end, q.lastDay = now, q.today
	}
	nv := networkValues{billed: map[int64]int64{}, values: map[string]map[int64]float64{}}
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
