package analytics

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// latePayments groups the invoices paid in the period by month (the
// vendor's) and currency, counting those paid after their due date; it
// also averages the days from due date to payment of the late ones (the
// days to resolve a delinquent invoice). Whole months come from the
// rollups, the rest of the period live.
func (q *query) latePayments(r *Report) error {
	var rows []paidMonth
	for _, in := range q.liveInstants() {
		live, err := q.paidByMonth(in[0], in[1])
		if err != nil {
			return fmt.Errorf("late payments: %w", err)
		}
		rows = append(rows, live...)
	}
	for _, m := range q.whole {
		for cur, f := range q.months[m.Key].Paid {
			if q.wanted(cur) {
				rows = append(rows, paidMonth{Month: m.Key, Currency: cur, paidFigures: f})
			}
		}
	}
	slices.SortFunc(rows, func(a, b paidMonth) int {
		return cmp.Or(strings.Compare(a.Month, b.Month), strings.Compare(a.Currency, b.Currency))
	})
	// The days to resolve a delinquent invoice average the days late of
	// every late payment: the months' sums over their counts.
	var daysLate, paidLate int64
	for _, row := range rows {
		r.LatePaymentsByMonth = append(r.LatePaymentsByMonth, LateMonth{Month: row.Month, Currency: row.Currency,
			Paid: row.Paid, PaidLate: row.PaidLate, AmountPaidLate: row.AmountPaidLate})
		daysLate += row.DaysLate
		paidLate += row.PaidLate
	}
	if paidLate > 0 {
		r.AvgDaysToResolveDelinq = ptr(round1(float64(daysLate) / float64(paidLate)))
	}
	return nil
}

// disputes groups the disputes opened in the period by month and currency,
// ranks their reasons, and measures the days from opening to resolution of
// the disputes resolved in the period.
func (q *query) disputes(r *Report) error {
	cf, cargs := q.currencyFilter("t.currency")
	base := ` FROM threads t WHERE t.vendor_id = ? AND t.kind = 'dispute' AND t.created_at >= ? AND t.created_at < ?` + cf
	args := append([]any{q.vendorID, q.start, q.end}, cargs...)
	err := q.db.Raw(`SELECT `+q.month("t.created_at")+` AS month, t.currency, COUNT(*) AS count,
    SUM(t.disputed_amount) AS disputed_amount`+base+`
GROUP BY 1, 2 ORDER BY 1, 2`, args...).Scan(&r.DisputesByMonth).Error
	if err != nil {
		return fmt.Errorf("disputes by month: %w", err)
	}
	err = q.db.Raw(`SELECT t.reason, COUNT(*) AS count`+base+`
GROUP BY t.reason ORDER BY count DESC, t.reason LIMIT 10`, args...).Scan(&r.TopDisputeReasons).Error
	if err != nil {
		return fmt.Errorf("dispute reasons: %w", err)
	}
	var spans []struct{ CreatedAt, ResolvedAt time.Time }
	err = q.db.Raw(`SELECT t.created_at, t.resolved_at FROM threads t
WHERE t.vendor_id = ? AND t.kind = 'dispute' AND t.resolved_at >= ? AND t.resolved_at < ?`+cf,
		args...).Scan(&spans).Error
	if err != nil {
		return fmt.Errorf("dispute resolution: %w", err)
	}
	days := make([]float64, len(spans))
	for i, s := range spans {
		days[i] = s.ResolvedAt.Sub(s.CreatedAt).Hours() / 24
	}
	r.DisputeResolution = daysOf(days)
	return nil
}

// daysOf averages days and takes their median, rounded to one decimal.
func daysOf(days []float64) Days {
	d := Days{Count: len(days)}
	if len(days) == 0 {
		return d
	}
	var sum float64
	for _, x := range days {
		sum += x
	}
	d.Avg = ptr(round1(sum / float64(len(days))))
	d.Median = ptr(round1(quantile(days, 0.5)))
	return d
}

// quantile is the q-quantile of xs by linear interpolation between closest
// ranks (the median of an even count is the mean of the middle two).
func quantile(xs []float64, q float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	pos := q * float64(len(s)-1)
	lo := int(pos)
	if lo+1 >= len(s) {
		return s[lo]
	}
	return s[lo] + (s[lo+1]-s[lo])*(pos-float64(lo))
}

// lateReasons ranks the reasons given for late payment of the vendor's
// invoices in the period: the vendor's tag where there is one, else the
// payer's answer.
func (q *query) lateReasons(r *Report) error {
	err := q.db.Raw(`SELECT l.reason, COUNT(*) AS count FROM late_reasons l
WHERE l.vendor_id = ? AND l.created_at >= ? AND l.created_at < ?
  AND (l.source = 'vendor' OR NOT EXISTS (SELECT 1 FROM late_reasons o
       WHERE o.invoice_id = l.invoice_id AND o.source = 'vendor'))
GROUP BY l.reason ORDER BY count DESC, l.reason LIMIT 10`, q.vendorID, q.start, q.end).Scan(&r.TopLateReasons).Error
	if err != nil {
		return fmt.Errorf("late reasons: %w", err)
	}
	return nil
}

// delinquent ranks the customers with the most overdue now, per currency,
// with their oldest overdue invoice and open disputes.
func (q *query) delinquent(r *Report) error {
	cf, cargs := q.currencyFilter("i.currency")
	var rows []struct {
		CustomerID         int64
		CustomerExternalID string
		Name               string
		Currency           string
		OverdueAmount      int64
		OldestDue          string
	}
	err := q.db.Raw(`SELECT c.id AS customer_id, c.external_id AS customer_external_id, c.name, i.currency,
    SUM(i.amount_remaining) AS overdue_amount, MIN(i.due_date) AS oldest_due
FROM invoices i JOIN customers c ON c.id = i.customer_id
WHERE i.vendor_id = ? AND c.vendor_id = ? AND i.status = 'open' AND i.amount_remaining > 0 AND `+q.notIndexed("i.due_date")+` < ?`+cf+`
GROUP BY c.id, c.external_id, c.name, i.currency
ORDER BY overdue_amount DESC, c.external_id, i.currency LIMIT 10`,
		append([]any{q.vendorID, q.vendorID, q.today}, cargs...)...).Scan(&rows).Error
	if err != nil {
		return fmt.Errorf("delinquent customers: %w", err)
	}
	if len(rows) == 0 {
		return nil
	}
	ids := make([]int64, len(rows))
	for i, row := range rows {
		ids[i] = row.CustomerID
	}
	var open []struct {
		CustomerID int64
		Currency   string
		N          int64
	}
	err = q.db.Raw(`SELECT i.customer_id, i.currency, COUNT(*) AS n FROM threads t JOIN invoices i ON i.id = t.invoice_id
WHERE t.vendor_id = ? AND i.vendor_id = ? AND t.kind = 'dispute' AND t.state <> 'resolved' AND i.customer_id IN ?
GROUP BY i.customer_id, i.currency`, q.vendorID, q.vendorID, ids).Scan(&open).Error
	if err != nil {
		return fmt.Errorf("open disputes: %w", err)
	}
	for _, row := range rows {
		dc := DelinquentCustomer{CustomerExternalID: row.CustomerExternalID, Name: row.Name, Currency: row.Currency,
			OverdueAmount: row.OverdueAmount}
		if due, err := parseDay(row.OldestDue); err == nil {
			dc.OldestDaysOverdue = due.DaysUntil(q.today)
		}
		for _, o := range open {
			if o.CustomerID == row.CustomerID && o.Currency == row.Currency {
				dc.OpenDisputes = o.N
			}
		}
		r.TopDelinquentCustomers = append(r.TopDelinquentCustomers, dc)
	}
	return nil
}
