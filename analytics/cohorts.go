package analytics

import (
	"time"

	"github.com/duehub/duehub/civil"
)

// Billing cohorts, as Upflow shows them: the invoices billed in one month
// (their billed_on, the vendor's day) and how many of them were paid
// within 30, 60 and 90 days of their billing day; the at-risk rate is the
// share still unpaid 90 days after it. A share is nil until every invoice
// of the month has had that many days (the month is not "mature" yet), so
// a young month never looks better or worse than it will be. Void
// invoices are left out, as in every figure. Counts, not money: no
// currency is summed (the currency filter still applies).

// CohortDays are the windows of a cohort, in days after billing.
var CohortDays = []int{30, 60, 90}

// Cohort is one billing month.
type Cohort struct {
	Month    string // 2026-11
	Invoices int64
	// Paid[i] invoices were paid within CohortDays[i] days of billing;
	// Share[i] is their per cent of Invoices, nil while immature.
	Paid  [3]int64
	Share [3]*float64
	// AtRisk is the per cent of Invoices not paid within 90 days, nil
	// while immature.
	AtRisk *float64
}

func (q *query) cohorts(r *Report) error {
	for _, b := range q.billed { // in month order
		if n := len(r.Cohorts); n == 0 || r.Cohorts[n-1].Month != b.Month {
			r.Cohorts = append(r.Cohorts, Cohort{Month: b.Month})
		}
		c := &r.Cohorts[len(r.Cohorts)-1]
		c.Invoices += b.Invoices
		for i := range c.Paid {
			c.Paid[i] += b.Within[i]
		}
	}
	for i := range r.Cohorts {
		c := &r.Cohorts[i]
		last := q.monthLastDay(c.Month)
		for i, n := range CohortDays {
			if last.AddDays(n).Before(q.today) {
				c.Share[i] = share(c.Paid[i], c.Invoices)
			}
		}
		if c.Share[2] != nil {
			c.AtRisk = share(c.Invoices-c.Paid[2], c.Invoices)
		}
	}
	return nil
}

// monthLastDay is the last day of month m ("2026-11") that the period
// covers.
func (q *query) monthLastDay(m string) civil.Date {
	first, err := civil.Parse(m + "-01")
	if err != nil {
		return q.lastDay
	}
	last := civil.Of(time.Date(first.Year, first.Month+1, 0, 0, 0, 0, 0, time.UTC))
	if q.lastDay.Before(last) {
		return q.lastDay
	}
	return last
}

// share is part of whole in per cent to one decimal, nil for no whole.
func share(part, whole int64) *float64 {
	if whole == 0 {
		return nil
	}
	return ptr(round1(float64(part) / float64(whole) * 100))
}
