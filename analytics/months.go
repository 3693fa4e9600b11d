package analytics

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/duehub/duehub/civil"
)

// Monthly rollups. Three years of a vendor's history are mostly paid
// invoices, and a paid invoice's month figures do not change unless the
// invoice does. So per vendor and calendar month of its time zone the hub
// keeps, in analytics_months, the aggregates of the paid invoices that
// were paid in the month (late payments) and of those billed in it
// (billing cohorts, sales), per currency. A report reads the months it
// covers whole from there, and the rest live: the days at the edges of its
// period, the month now running, and the open invoices (the open book,
// which is small and changes every day).
//
// A month's row is written the first time a report needs it once the month
// has ended, by the report itself (analytics.Store.rollups). Any write that
// makes, changes or unmakes a paid invoice drops the rows of the months
// the invoice was paid and billed in, before and after the write (the
// triggers of migration 00032); the next report computes them again, a
// month of rows each. Rows computed in another time zone than the
// vendor's are not read, and are replaced.
//
// The figures of a month are a function of the invoices alone, not of
// the time they were computed at: the live part of a report uses the same
// queries over other rows, so rollups and edges add up to what one query
// over the whole period gives (TestRollupsAddUp).

// month is one calendar month of the vendor's time zone.
type month struct {
	Key         string     // 2026-11
	First, Last civil.Date // its first and last day
	Start, End  time.Time  // the instants First and Last+1 begin, UTC
}

// monthOf is the month of day d in loc.
func monthOf(d civil.Date, loc *time.Location) month {
	first := civil.Date{Year: d.Year, Month: d.Month, Day: 1}
	next := civil.Of(time.Date(d.Year, d.Month+1, 1, 0, 0, 0, 0, time.UTC))
	return month{Key: fmt.Sprintf("%04d-%02d", d.Year, int(d.Month)), First: first, Last: next.AddDays(-1),
		Start: first.In(loc).UTC(), End: next.In(loc).UTC()}
}

// monthFigures is one month's row: the vendor's paid invoices by the month
// they were paid in and by the month they were billed in, per currency.
type monthFigures struct {
	Paid   map[string]paidFigures   `json:"paid,omitempty"`
	Billed map[string]billedFigures `json:"billed,omitempty"`
}

// paidFigures are the invoices paid in a month, in one currency.
type paidFigures struct {
	Paid           int64 `json:"paid"`
	PaidLate       int64 `json:"paid_late"`
	AmountPaidLate int64 `json:"amount_paid_late"`
	DaysLate       int64 `json:"days_late"` // summed over the late ones
}

// billedFigures are the invoices billed in a month, in one currency.
type billedFigures struct {
	Invoices int64    `json:"invoices"`
	Within   [3]int64 `json:"within"` // paid within CohortDays of billing
	Sales    int64    `json:"sales"`  // their amount_due summed
	// LastPaid is the latest day (in the zone) one of them was paid: a
	// receivable at an instant after it cannot be one of them.
	LastPaid string `json:"last_paid"`
}

// monthRow is a row of analytics_months.
type monthRow struct {
	VendorID   int64
	Month      string
	Timezone   string
	StartAt    time.Time
	EndAt      time.Time
	FirstDay   civil.Date
	LastDay    civil.Date
	Figures    string
	ComputedAt time.Time
}

func (monthRow) TableName() string { return "analytics_months" }

// monthsLock is the first key of the PostgreSQL advisory lock on a
// vendor's rollups ("anly"), the vendor's id the second; the triggers of
// migration 00032 take it shared.
const monthsLock = 1634626681

// rollups returns the figures of every month of the vendor's history that
// ended before today's month began, computing and storing those no row
// holds yet. A month missing from the answer had no paid invoice.
// It returns how many months it computed.
func (q *query) rollups() (map[string]monthFigures, int, error) {
	first, ok, err := q.firstPaidMonth()
	if err != nil || !ok {
		return map[string]monthFigures{}, 0, err
	}
	current := monthOf(q.today, q.loc)
	stored, missing, err := q.storedMonths(q.db, first, current)
	if err != nil || len(missing) == 0 {
		return stored, 0, err
	}
	err = q.db.Transaction(func(tx *gorm.DB) error {
		if q.pg {
			// Waits for the writes of paid invoices in flight, and holds
			// off new ones, while the months are computed and stored.
			if err := tx.Exec(`SELECT pg_advisory_xact_lock(?, ?)`, monthsLock, int32(q.vendorID&0x7fffffff)).Error; err != nil {
				return err
			}
		}
		stored, missing, err = q.storedMonths(tx, first, current) // another report may have stored some meanwhile
		if err != nil || len(missing) == 0 {
			return err
		}
		computed, err := (&query{db: tx, pg: q.pg, vendorID: q.vendorID, loc: q.loc}).computeMonths(missing)
		if err != nil {
			return err
		}
		rows := make([]monthRow, 0, len(missing))
		now := q.now
		for _, m := range missing {
			f := computed[m.Key]
			b, err := json.Marshal(f)
			if err != nil {
				return err
			}
			rows = append(rows, monthRow{VendorID: q.vendorID, Month: m.Key, Timezone: q.loc.String(), StartAt: m.Start,
				EndAt: m.End, FirstDay: m.First, LastDay: m.Last, Figures: string(b), ComputedAt: now})
			stored[m.Key] = f
		}
		return tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "vendor_id"}, {Name: "month"}}, UpdateAll: true}).
			CreateInBatches(rows, 200).Error
	})
	if err != nil {
		return nil, 0, fmt.Errorf("monthly rollups: %w", err)
	}
	return stored, len(missing), nil
}

// RollUp computes and stores, for every vendor with paid invoices, the
// ended months no row holds yet, so that no page waits for them: the
// nightly pass runs it after the network's benchmarks (and on start), and
// the first report after a month ends or after a backfill reads them
// ready. It returns how many months it computed.
func (s *Store) RollUp(ctx context.Context) (int, error) {
	var ids []int64
	if err := s.db.WithContext(ctx).Raw(`SELECT id FROM vendors ORDER BY id`).Scan(&ids).Error; err != nil {
		return 0, fmt.Errorf("analytics: vendors: %w", err)
	}
	computed := 0
	for _, id := range ids {
		n, err := s.RollUpVendor(ctx, id)
		computed += n
		if err != nil {
			return computed, err
		}
	}
	return computed, nil
}

// RollUpVendor computes and stores the vendor's ended months no row holds
// yet, and returns how many.
func (s *Store) RollUpVendor(ctx context.Context, vendorID int64) (int, error) {
	loc, err := s.Location(ctx, vendorID)
	if err != nil {
		return 0, err
	}
	now := s.now().UTC()
	q := &query{db: s.db.WithContext(ctx), pg: s.db.Dialector.Name() == "postgres", vendorID: vendorID, now: now, loc: loc,
		today: civil.Of(now.In(loc))}
	_, n, err := q.rollups()
	if err != nil {
		return n, fmt.Errorf("analytics: vendor %d: %w", vendorID, err)
	}
	return n, nil
}

// firstPaidMonth is the earliest month a paid invoice of the vendor was
// billed or paid in; ok is false when it has none.
func (q *query) firstPaidMonth() (m month, ok bool, err error) {
	var billed []civil.Date
	if err := q.db.Raw(`SELECT billed_on FROM invoices WHERE vendor_id = ? AND status = 'paid' AND billed_on IS NOT NULL
ORDER BY billed_on LIMIT 1`, q.vendorID).Scan(&billed).Error; err != nil {
		return month{}, false, fmt.Errorf("first billed: %w", err)
	}
	var paid []time.Time
	if err := q.db.Raw(`SELECT paid_at FROM invoices WHERE vendor_id = ? AND status = 'paid' AND paid_at IS NOT NULL
ORDER BY paid_at LIMIT 1`, q.vendorID).Scan(&paid).Error; err != nil {
		return month{}, false, fmt.Errorf("first paid: %w", err)
	}
	var first civil.Date
	if len(billed) > 0 {
		first = billed[0]
	}
	if len(paid) > 0 {
		if d := civil.Of(paid[0].In(q.loc)); first.IsZero() || d.Before(first) {
			first = d
		}
	}
	if first.IsZero() {
		return month{}, false, nil
	}
	return monthOf(first, q.loc), true, nil
}

// storedMonths reads the vendor's rows of the months from first up to
// (not including) current, and lists the months no row of the vendor's
// time zone holds.
func (q *query) storedMonths(db *gorm.DB, first, current month) (map[string]monthFigures, []month, error) {
	var rows []monthRow
	err := db.Where("vendor_id = ? AND timezone = ? AND month >= ? AND month < ?", q.vendorID, q.loc.String(), first.Key, current.Key).
		Find(&rows).Error
	if err != nil {
		return nil, nil, fmt.Errorf("stored months: %w", err)
	}
	stored := make(map[string]monthFigures, len(rows))
	for _, r := range rows {
		var f monthFigures
		if err := json.Unmarshal([]byte(r.Figures), &f); err != nil {
			continue // computed again below
		}
		stored[r.Month] = f
	}
	var missing []month
	for m := first; m.Key < current.Key; m = monthOf(m.Last.AddDays(1), q.loc) {
		if _, ok := stored[m.Key]; !ok {
			missing = append(missing, m)
		}
	}
	return stored, missing, nil
}

// computeMonths aggregates the vendor's paid invoices of the months ms
// (in order), one pair of queries per run of consecutive months.
func (q *query) computeMonths(ms []month) (map[string]monthFigures, error) {
	out := map[string]monthFigures{}
	for i := 0; i < len(ms); {
		j := i
		for j+1 < len(ms) && ms[j+1].First == ms[j].Last.AddDays(1) {
			j++
		}
		paid, err := q.paidByMonth(ms[i].Start, ms[j].End)
		if err != nil {
			return nil, err
		}
		for _, p := range paid {
			f := out[p.Month]
			if f.Paid == nil {
				f.Paid = map[string]paidFigures{}
			}
			f.Paid[p.Currency] = p.paidFigures
			out[p.Month] = f
		}
		billed, err := q.billedByMonth(`i.status = 'paid' AND i.billed_on >= ? AND i.billed_on <= ?`, ms[i].First, ms[j].Last)
		if err != nil {
			return nil, err
		}
		for _, b := range billed {
			f := out[b.Month]
			if f.Billed == nil {
				f.Billed = map[string]billedFigures{}
			}
			f.Billed[b.Currency] = b.billedFigures
			out[b.Month] = f
		}
		i = j + 1
	}
	return out, nil
}

// paidMonth is one month and currency of paid invoices.
type paidMonth struct {
	Month    string
	Currency string
	paidFigures
}

// paidByMonth aggregates the vendor's invoices paid in [from, to) by month
// of payment and currency (the currency filter applies).
func (q *query) paidByMonth(from, to time.Time) ([]paidMonth, error) {
	cf, cargs := q.currencyFilter("i.currency")
	const late = "d.paid_day > d.due_date"
	var rows []struct {
		Month, Currency                          string
		Paid, PaidLate, AmountPaidLate, DaysLate int64
	}
	err := q.db.Raw(`SELECT `+q.dateMonth("d.paid_day")+` AS month, d.currency, COUNT(*) AS paid,
    SUM(CASE WHEN `+late+` THEN 1 ELSE 0 END) AS paid_late,
    SUM(CASE WHEN `+late+` THEN d.amount_due ELSE 0 END) AS amount_paid_late,
    SUM(CASE WHEN `+late+` THEN `+q.daysBetween("d.paid_day", "d.due_date")+` ELSE 0 END) AS days_late
FROM (SELECT `+q.day("i.paid_at")+` AS paid_day, i.due_date, i.amount_due, i.currency FROM invoices i
    WHERE i.vendor_id = ? AND i.status = 'paid' AND i.paid_at >= ? AND i.paid_at < ?`+cf+q.kept()+`) d
GROUP BY 1, 2`, append([]any{q.vendorID, from, to}, cargs...)...).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("payments by month: %w", err)
	}
	out := make([]paidMonth, len(rows))
	for i, r := range rows {
		out[i] = paidMonth{r.Month, r.Currency, paidFigures{r.Paid, r.PaidLate, r.AmountPaidLate, r.DaysLate}}
	}
	return out, nil
}

// billedMonth is one month and currency of billed invoices.
type billedMonth struct {
	Month    string
	Currency string
	billedFigures
}

// billedByMonth aggregates the vendor's invoices that meet cond (SQL over
// i, with args) by month of billing and currency (the currency filter
// applies).
func (q *query) billedByMonth(cond string, args ...any) ([]billedMonth, error) {
	cf, cargs := q.currencyFilter("i.currency")
	paidWithin := func(n int) string {
		return fmt.Sprintf("SUM(CASE WHEN d.paid_day IS NOT NULL AND %s <= %d THEN 1 ELSE 0 END)", q.daysBetween("d.paid_day", "d.billed_on"), n)
	}
	lastPaid := "COALESCE(MAX(d.paid_day), '')"
	if q.pg {
		lastPaid = "COALESCE(to_char(MAX(d.paid_day), 'YYYY-MM-DD'), '')"
	}
	var rows []struct {
		Month, Currency                string
		Invoices, P30, P60, P90, Sales int64
		LastPaid                       string
	}
	err := q.db.Raw(`SELECT `+q.dateMonth("d.billed_on")+` AS month, d.currency, COUNT(*) AS invoices, `+
		paidWithin(CohortDays[0])+` AS p30, `+paidWithin(CohortDays[1])+` AS p60, `+paidWithin(CohortDays[2])+` AS p90,
    SUM(d.amount_due) AS sales, `+lastPaid+` AS last_paid
FROM (SELECT i.billed_on, i.currency, i.amount_due, `+q.day("i.paid_at")+` AS paid_day FROM invoices i
    WHERE i.vendor_id = ? AND `+cond+cf+q.kept()+`) d
GROUP BY 1, 2`, append(append([]any{q.vendorID}, args...), cargs...)...).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("billing by month: %w", err)
	}
	out := make([]billedMonth, len(rows))
	for i, r := range rows {
		out[i] = billedMonth{r.Month, r.Currency, billedFigures{Invoices: r.Invoices, Within: [3]int64{r.P30, r.P60, r.P90},
			Sales: r.Sales, LastPaid: r.LastPaid}}
	}
	return out, nil
}

// prepare reads (and where needed computes) the vendor's rollups, finds
// the whole months of the period they cover, and totals the period's
// billing, which three steps share.
func (q *query) prepare() error {
	if !q.noRollups {
		months, _, err := q.rollups()
		if err != nil {
			return err
		}
		q.months = months
		current := monthOf(q.today, q.loc)
		m := monthOf(q.p.From, q.loc)
		if m.First != q.p.From {
			m = monthOf(m.Last.AddDays(1), q.loc)
		}
		for ; !q.lastDay.Before(m.Last) && m.Key < current.Key; m = monthOf(m.Last.AddDays(1), q.loc) {
			q.whole = append(q.whole, m)
		}
	}
	return q.billing()
}

// liveDays are the day ranges of the period outside its whole months.
func (q *query) liveDays() [][2]civil.Date {
	if len(q.whole) == 0 {
		return [][2]civil.Date{{q.p.From, q.lastDay}}
	}
	var out [][2]civil.Date
	if first := q.whole[0].First; q.p.From.Before(first) {
		out = append(out, [2]civil.Date{q.p.From, first.AddDays(-1)})
	}
	if last := q.whole[len(q.whole)-1].Last; last.Before(q.lastDay) {
		out = append(out, [2]civil.Date{last.AddDays(1), q.lastDay})
	}
	return out
}

// liveInstants are the instant ranges [from, to) of the period outside
// its whole months.
func (q *query) liveInstants() [][2]time.Time {
	if len(q.whole) == 0 {
		return [][2]time.Time{{q.start, q.end}}
	}
	var out [][2]time.Time
	if first := q.whole[0].Start; q.start.Before(first) {
		out = append(out, [2]time.Time{q.start, first})
	}
	if last := q.whole[len(q.whole)-1].End; last.Before(q.end) {
		out = append(out, [2]time.Time{last, q.end})
	}
	return out
}

// wanted reports whether the currency filter lets currency through.
func (q *query) wanted(currency string) bool {
	return q.p.Currency == "" || q.p.Currency == currency
}

// billing totals the invoices billed in the period (void ones left out) by
// month and currency: the whole months' paid invoices from the rollups,
// their open ones and every invoice of the other days live.
func (q *query) billing() error {
	sum := map[[2]string]*billedMonth{}
	add := func(b billedMonth) {
		k := [2]string{b.Month, b.Currency}
		t := sum[k]
		if t == nil {
			sum[k] = &billedMonth{Month: b.Month, Currency: b.Currency}
			t = sum[k]
		}
		t.Invoices += b.Invoices
		t.Sales += b.Sales
		for i := range t.Within {
			t.Within[i] += b.Within[i]
		}
	}
	for _, d := range q.liveDays() {
		rows, err := q.billedByMonth(`i.status <> 'void' AND i.billed_on >= ? AND i.billed_on <= ?`, d[0], d[1])
		if err != nil {
			return err
		}
		for _, r := range rows {
			add(r)
		}
	}
	if len(q.whole) > 0 {
		rows, err := q.billedByMonth(`i.status = 'open' AND i.billed_on >= ? AND i.billed_on <= ?`, q.whole[0].First, q.whole[len(q.whole)-1].Last)
		if err != nil {
			return err
		}
		for _, r := range rows {
			add(r)
		}
		for _, m := range q.whole {
			for cur, f := range q.months[m.Key].Billed {
				if q.wanted(cur) {
					add(billedMonth{Month: m.Key, Currency: cur, billedFigures: f})
				}
			}
		}
	}
	q.billed = q.billed[:0]
	for _, b := range sum {
		q.billed = append(q.billed, *b)
	}
	slices.SortFunc(q.billed, func(a, b billedMonth) int {
		return cmp.Or(strings.Compare(a.Month, b.Month), strings.Compare(a.Currency, b.Currency))
	})
	return nil
}
