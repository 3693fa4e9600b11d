package analytics

import (
	"fmt"
	"slices"
	"strings"
)

// money computes DSO, ADD and CEI per currency (definitions in the README):
//
//	DSO  = ending receivables / sales × days
//	ADD  = DSO − ending current receivables / sales × days
//	CEI  = (beginning + sales − ending) / (beginning + sales − ending current) × 100
//
// in one pass over the vendor's invoices billed by the period's last day
// (the index on vendor_id, billed_on). billed_on is an invoice's billing
// day: its issue_date, or the vendor's day the hub first saw it. Void
// invoices are left out of every money figure, as if never billed.
//
// What an invoice had remaining at an instant is its latest
// invoice_changes row before it, or amount_due for an invoice the hub
// first saw later (closed history pushed afterwards); one grouped scan of
// the vendor's changes before the instant finds those rows for every
// invoice at once. For an instant that is now — a period reaching today —
// that is the invoice's amount_remaining, with no history read.
func (q *query) money(r *Report) error {
	cf, cargs := q.currencyFilter("i.currency")
	beginDay := q.p.From.AddDays(-1)
	lastBefore := `SELECT c.invoice_id, MAX(c.id) AS id FROM invoice_changes c WHERE c.vendor_id = ? AND c.at < ? GROUP BY c.invoice_id`
	with := `WITH b AS (` + lastBefore + `)`
	args := []any{q.vendorID, q.start}
	joins := ` LEFT JOIN b ON b.invoice_id = i.id LEFT JOIN invoice_changes bc ON bc.id = b.id`
	endRemaining, endOpen := "i.amount_remaining", "i.paid_at IS NULL"
	var endArgs []any
	if q.end.Before(q.now) {
		with += `, e AS (` + lastBefore + `)`
		args = append(args, q.vendorID, q.end)
		joins += ` LEFT JOIN e ON e.invoice_id = i.id LEFT JOIN invoice_changes ec ON ec.id = e.id`
		endRemaining, endOpen = "COALESCE(ec.amount_remaining, i.amount_due)", "(i.paid_at IS NULL OR i.paid_at >= ?)"
		endArgs = []any{q.end}
	}
	beginOpen := "i.billed_on <= ? AND (i.paid_at IS NULL OR i.paid_at >= ?)"
	sql := with + `
SELECT i.currency,
    SUM(CASE WHEN ` + beginOpen + ` THEN COALESCE(bc.amount_remaining, i.amount_due) ELSE 0 END) AS begin_total,
    SUM(CASE WHEN ` + endOpen + ` THEN ` + endRemaining + ` ELSE 0 END) AS end_total,
    SUM(CASE WHEN ` + endOpen + ` AND i.due_date >= ? THEN ` + endRemaining + ` ELSE 0 END) AS end_current,
    SUM(CASE WHEN i.billed_on >= ? THEN i.amount_due ELSE 0 END) AS sales
FROM invoices i` + joins + `
WHERE i.vendor_id = ? AND i.status <> 'void' AND i.billed_on <= ?` + cf + `
GROUP BY i.currency ORDER BY i.currency`
	args = append(args, beginDay, q.start)
	args = append(args, endArgs...)
	args = append(args, endArgs...)
	args = append(args, q.lastDay)
	args = append(args, q.p.From, q.vendorID, q.lastDay)
	args = append(args, cargs...)
	var rows []struct {
		Currency                                string
		BeginTotal, EndTotal, EndCurrent, Sales int64
	}
	if err := q.db.Raw(sql, args...).Scan(&rows).Error; err != nil {
		return fmt.Errorf("receivables and sales: %w", err)
	}
	days := float64(q.p.From.DaysUntil(q.lastDay) + 1)
	for _, row := range rows {
		if row.BeginTotal == 0 && row.EndTotal == 0 && row.Sales == 0 {
			continue
		}
		s, b := float64(row.Sales), float64(row.BeginTotal)
		var dso, add, cei *float64
		if s > 0 {
			dso = ptr(round1(float64(row.EndTotal) / s * days))
			add = ptr(round1(float64(row.EndTotal-row.EndCurrent) / s * days))
		}
		if den := b + s - float64(row.EndCurrent); den > 0 {
			cei = ptr(round1((b + s - float64(row.EndTotal)) / den * 100))
		}
		r.DSO = append(r.DSO, CurrencyFigure{row.Currency, dso})
		r.ADD = append(r.ADD, CurrencyFigure{row.Currency, add})
		r.CEI = append(r.CEI, CurrencyFigure{row.Currency, cei})
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
