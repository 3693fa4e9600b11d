package analytics

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/duehub/duehub/civil"
)

// money computes DSO, ADD and CEI per currency (definitions in the README):
//
//	DSO  = ending receivables / sales × days
//	ADD  = DSO − ending current receivables / sales × days
//	CEI  = (beginning + sales − ending) / (beginning + sales − ending current) × 100
//
// Sales are the period's billing (prepare). The receivables are what was
// owed at the period's start and end (receivablesAt); for an end that is
// now — a period reaching today — that is the open invoices'
// amount_remaining, with no history read. billed_on is an invoice's
// billing day: its issue_date, or the vendor's day the hub first saw it.
// Void invoices are left out of every money figure, as if never billed.
func (q *query) money(r *Report) error {
	type figures struct{ begin, end, endCurrent, sales int64 }
	by := map[string]*figures{}
	get := func(cur string) *figures {
		if by[cur] == nil {
			by[cur] = &figures{}
		}
		return by[cur]
	}
	for _, b := range q.billed {
		get(b.Currency).sales += b.Sales
	}
	begin, err := q.receivablesAt(q.start, q.p.From.AddDays(-1))
	if err != nil {
		return err
	}
	for _, row := range begin {
		get(row.Currency).begin += row.Total
	}
	var end []receivable
	if q.end.Before(q.now) {
		end, err = q.receivablesAt(q.end, q.lastDay)
	} else {
		end, err = q.openNow()
	}
	if err != nil {
		return err
	}
	for _, row := range end {
		f := get(row.Currency)
		f.end += row.Total
		f.endCurrent += row.Current
	}
	currencies := make([]string, 0, len(by))
	for cur := range by {
		currencies = append(currencies, cur)
	}
	slices.Sort(currencies)
	days := float64(q.p.From.DaysUntil(q.lastDay) + 1)
	for _, cur := range currencies {
		row := by[cur]
		if row.begin == 0 && row.end == 0 && row.sales == 0 {
			continue
		}
		s, b := float64(row.sales), float64(row.begin)
		var dso, add, cei *float64
		if s > 0 {
			dso = ptr(round1(float64(row.end) / s * days))
			add = ptr(round1(float64(row.end-row.endCurrent) / s * days))
		}
		if den := b + s - float64(row.endCurrent); den > 0 {
			cei = ptr(round1((b + s - float64(row.end)) / den * 100))
		}
		r.DSO = append(r.DSO, CurrencyFigure{cur, dso})
		r.ADD = append(r.ADD, CurrencyFigure{cur, add})
		r.CEI = append(r.CEI, CurrencyFigure{cur, cei})
	}
	return nil
}

// receivable is what was owed in one currency, and of it what was not yet
// due.
type receivable struct {
	Currency       string
	Total, Current int64
}

// receivablesAt is what was owed at the instant at (the start of day+1 in
// the vendor's zone) on the invoices billed by day, and of it what was not
// due before day. What an invoice had remaining at an instant is its
// latest invoice_changes row before it, or amount_due for an invoice the
// hub first saw later (closed history pushed afterwards).
//
// The invoices owed then are the open ones billed by day (not paid before
// at) and the paid ones paid at or after at. Only the months whose paid
// invoices were last paid at or after at can hold the latter (the
// rollups' LastPaid): the scan of billing days starts at the first such
// month, not at the vendor's first invoice.
func (q *query) receivablesAt(at time.Time, day civil.Date) ([]receivable, error) {
	cf, cargs := q.currencyFilter("i.currency")
	remaining := `COALESCE((SELECT c.amount_remaining FROM invoice_changes c WHERE c.invoice_id = i.id AND c.at < ?
    ORDER BY c.id DESC LIMIT 1), i.amount_due)`
	sql := `SELECT i.currency, i.due_date, ` + remaining + ` AS remaining FROM invoices i
WHERE i.vendor_id = ? AND i.status = 'open' AND i.billed_on <= ? AND (i.paid_at IS NULL OR i.paid_at >= ?)` + cf
	args := append([]any{at, q.vendorID, day, at}, cargs...)
	if from, ok := q.paidScanFrom(at, day); ok {
		sql += `
UNION ALL
SELECT i.currency, i.due_date, ` + remaining + ` AS remaining FROM invoices i
WHERE i.vendor_id = ? AND i.status = 'paid' AND i.billed_on >= ? AND i.billed_on <= ? AND i.paid_at >= ?` + cf
		args = append(append(args, at, q.vendorID, from, day, at), cargs...)
	}
	var rows []receivable
	err := q.db.Raw(`SELECT r.currency, SUM(r.remaining) AS total, SUM(CASE WHEN r.due_date >= ? THEN r.remaining ELSE 0 END) AS current
FROM (`+sql+`) r GROUP BY r.currency`, append([]any{day}, args...)...).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("receivables at %s: %w", day, err)
	}
	return rows, nil
}

// paidScanFrom is the first billing day whose paid invoices may have been
// paid at or after at, billed by day: the first day of the earliest month
// the rollups say had one paid that late, or of a month they do not hold.
func (q *query) paidScanFrom(at time.Time, day civil.Date) (civil.Date, bool) {
	if q.noRollups {
		return civil.Date{Year: 1, Month: 1, Day: 1}, true
	}
	atDay := civil.Of(at.In(q.loc)).String()
	current := monthOf(q.today, q.loc)
	keys := make([]string, 0, len(q.months))
	for k, f := range q.months {
		for _, b := range f.Billed {
			if b.LastPaid >= atDay {
				keys = append(keys, k)
				break
			}
		}
	}
	last := monthOf(day, q.loc)
	if last.Key >= current.Key {
		keys = append(keys, current.Key)
	}
	if len(keys) == 0 {
		return civil.Date{}, false
	}
	first, err := civil.Parse(slices.Min(keys) + "-01")
	if err != nil || last.Last.Before(first) {
		return civil.Date{}, false
	}
	return first, true
}

// openNow is what is owed now, on the invoices billed by the period's last
// day, and of it what is not yet due.
func (q *query) openNow() ([]receivable, error) {
	cf, cargs := q.currencyFilter("i.currency")
	var rows []receivable
	err := q.db.Raw(`SELECT i.currency, SUM(i.amount_remaining) AS total,
    SUM(CASE WHEN i.due_date >= ? THEN i.amount_remaining ELSE 0 END) AS current
FROM invoices i WHERE i.vendor_id = ? AND i.status = 'open' AND i.paid_at IS NULL AND i.billed_on <= ?`+cf+`
GROUP BY i.currency`, append([]any{q.lastDay, q.vendorID, q.lastDay}, cargs...)...).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("receivables now: %w", err)
	}
	return rows, nil
}

// aging sorts what is open now by days past due, per currency.
func (q *query) aging(r *Report) error {
	cf, cargs := q.currencyFilter("currency")
	t := q.today
	sql := `SELECT currency, CASE WHEN due_date >= ? THEN 'current' WHEN due_date >= ? THEN '1-30'
    WHEN due_date >= ? THEN '31-60' WHEN due_date >= ? THEN '61-90' ELSE '90+' END AS bucket,
    SUM(amount_remaining) AS amount, COUNT(*) AS count
FROM invoices WHERE vendor_id = ? AND status = 'open' AND amount_remaining > 0` + cf + `
GROUP BY 1, 2`
	args := append([]any{t, t.AddDays(-30), t.AddDays(-60), t.AddDays(-90), q.vendorID}, cargs...)
	var rows []AgingBucket
	if err := q.db.Raw(sql, args...).Scan(&rows).Error; err != nil {
		return fmt.Errorf("aging: %w", err)
	}
	slices.SortFunc(rows, func(a, b AgingBucket) int {
		if c := strings.Compare(a.Currency, b.Currency); c != 0 {
			return c
		}
		return slices.Index(AgingBuckets, a.Bucket) - slices.Index(AgingBuckets, b.Bucket)
	})
	r.Aging = rows
	return nil
}

func ptr(f float64) *float64 { return &f }

// round1 rounds to one decimal, as the figures are shown.
func round1(f float64) float64 {
	if f < 0 {
		return -round1(-f)
	}
	return float64(int64(f*10+0.5)) / 10
}
