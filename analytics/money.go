package analytics

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/duehub/duehub/civil"
)

// billed is the SQL of an invoice's billing date: its issue_date, or the
// day the hub first saw it when the vendor sent none. Void invoices are
// left out of every money figure, as if they had never been billed.
func (q *query) billed() string {
	return "COALESCE(i.issue_date, " + q.day("i.created_at") + ")"
}

// receivables is what was open per currency at instant at (the day before
// at's day is the last one whose invoices count): in total, and of it what
// was not yet past due on day lastDay.
type receivables struct{ total, current int64 }

// arAt sums the amount each invoice billed by lastDay and neither paid nor
// voided before at had remaining at at: the latest invoice_changes row
// before at, or amount_due for an invoice the hub first saw later (closed
// history pushed afterwards).
func (q *query) arAt(at time.Time, lastDay civil.Date) (map[string]receivables, error) {
	remaining := `COALESCE((SELECT c.amount_remaining FROM invoice_changes c
    WHERE c.invoice_id = i.id AND c.at < ? ORDER BY c.at DESC, c.id DESC LIMIT 1), i.amount_due)`
	cf, cargs := q.currencyFilter("i.currency")
	sql := `SELECT i.currency, SUM(` + remaining + `) AS total,
    SUM(CASE WHEN i.due_date >= ? THEN ` + remaining + ` ELSE 0 END) AS current
FROM invoices i
WHERE i.vendor_id = ? AND i.status <> 'void' AND ` + q.billed() + ` <= ?
  AND (i.paid_at IS NULL OR i.paid_at >= ?)` + cf + `
GROUP BY i.currency`
	args := append([]any{at, lastDay, at, q.vendorID, lastDay, at}, cargs...)
	var rows []struct {
		Currency       string
		Total, Current int64
	}
	if err := q.db.Raw(sql, args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("receivables: %w", err)
	}
	out := make(map[string]receivables, len(rows))
	for _, r := range rows {
		out[r.Currency] = receivables{r.Total, r.Current}
	}
	return out, nil
}

// sales is the amount billed per currency on the period's days up to lastDay.
func (q *query) sales() (map[string]int64, error) {
	cf, cargs := q.currencyFilter("i.currency")
	var rows []struct {
		Currency string
		Amount   int64
	}
	err := q.db.Raw(`SELECT i.currency, SUM(i.amount_due) AS amount FROM invoices i
WHERE i.vendor_id = ? AND i.status <> 'void' AND `+q.billed()+` >= ? AND `+q.billed()+` <= ?`+cf+`
GROUP BY i.currency`, append([]any{q.vendorID, q.p.From, q.lastDay}, cargs...)...).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("sales: %w", err)
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.Currency] = r.Amount
	}
	return out, nil
}

// money computes DSO, ADD and CEI per currency (definitions in the README):
//
//	DSO  = ending receivables / sales × days
//	ADD  = DSO − ending current receivables / sales × days
//	CEI  = (beginning + sales − ending) / (beginning + sales − ending current) × 100
func (q *query) money(r *Report) error {
	begin, err := q.arAt(q.start, q.p.From.AddDays(-1))
	if err != nil {
		return err
	}
	end, err := q.arAt(q.end, q.lastDay)
	if err != nil {
		return err
	}
	sales, err := q.sales()
	if err != nil {
		return err
	}
	days := float64(q.p.From.DaysUntil(q.lastDay) + 1)
	var currencies []string
	for _, m := range []map[string]receivables{begin, end} {
		for c := range m {
			currencies = append(currencies, c)
		}
	}
	for c := range sales {
		currencies = append(currencies, c)
	}
	slices.Sort(currencies)
	for _, c := range slices.Compact(currencies) {
		s, b, e := float64(sales[c]), float64(begin[c].total), end[c]
		var dso, add, cei *float64
		if s > 0 {
			dso = ptr(round1(float64(e.total) / s * days))
			add = ptr(round1(float64(e.total-e.current) / s * days))
		}
		if den := b + s - float64(e.current); den > 0 {
			cei = ptr(round1((b + s - float64(e.total)) / den * 100))
		}
		r.DSO = append(r.DSO, CurrencyFigure{c, dso})
		r.ADD = append(r.ADD, CurrencyFigure{c, add})
		r.CEI = append(r.CEI, CurrencyFigure{c, cei})
	}
	return nil
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
