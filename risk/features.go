package risk

import (
	"math"
	"time"

	"github.com/duehub/duehub/civil"
)

// The features, in the order of a feature vector. Each is computed at a
// point in time t from what was known at the start of day t: payments made
// before t, invoices issued by t, disputes and broken promises before t.
const (
	fNoHistory    = iota // no earlier payment by this customer
	fPaidCount           // log(1 + payments before t)
	fLateShare           // logit of the share of payments more than LateDays late, smoothed towards the vendor's rate
	fRecentShare         // logit of the late share of the last 10 payments, smoothed
	fLateZ               // how many spreads the mean payment day lies past LateDays
	fMeanLate            // mean days late of the last 10 payments
	fLastLate            // days late of the last payment
	fTrend               // mean days late of the last 5 payments less that of the 5 before
	fSpread              // standard deviation of the days late of the last 10 payments
	fOverdueNow          // log(1 + other invoices more than LateDays overdue and unpaid at t)
	fDisputes            // log(1 + the customer's disputes open at t)
	fBroken              // log(1 + promises broken in the year before t)
	fAmount              // log(amount / the customer's usual amount in that currency)
	fTerms               // payment terms, in months of 30 days
	fDaysToDue           // days from t to the due date, in months of 30 days
	fPastDue             // still unpaid on or after the due date
	fPastDueShare        // fPastDue × fLateShare: being still open says more of a prompt payer
	fSeasonSin           // the due date's day of the year, as a point on a circle
	fSeasonCos
	numFeatures
)

// point is the features of one invoice at one time, with the plain facts
// its reasons are worded from.
type point struct {
	x [numFeatures]float64
	// facts for reasons
	paid, late, recent int
	recentLate         int
	meanLate, lastLate float64
	trend, spread      float64
	overdue, disputes  int
	broken             int
	ratio              float64
	terms, toDue       int
	month              time.Month
}

// recentPayments is how many of the last payments the mean and spread read.
const recentPayments = 10

// features computes inv's features at day t from its customer's history c
// (nil: none), with base the vendor's late rate.
func features(c *customerHistory, inv Invoice, t civil.Date, base float64) point {
	var p point
	p.terms = inv.Issue.DaysUntil(inv.Due)
	if inv.Issue.IsZero() {
		p.terms = 0
	}
	p.toDue = t.DaysUntil(inv.Due)
	p.month = inv.Due.Month
	p.ratio = 1
	if c != nil {
		k := c.paidBefore(t)
		p.paid, p.late = k, c.lateBefore[k]
		if k > 0 {
			lo := max(0, k-recentPayments)
			p.recent = k - lo
			var sum, sq float64
			for i := lo; i < k; i++ {
				inv := &c.byPaid[i]
				d := clamp(float64(inv.daysLate()), -60, 120)
				if inv.daysLate() > LateDays {
					p.recentLate++
				}
				sum += d
				sq += d * d
			}
			n := float64(k - lo)
			p.meanLate = sum / n
			p.spread = math.Sqrt(max(0, sq/n-p.meanLate*p.meanLate))
			p.lastLate = clamp(float64(c.byPaid[k-1].daysLate()), -60, 120)
			if k >= 6 {
				a, b := 0.0, 0.0
				nb := 0
				for _, inv := range c.byPaid[k-5 : k] {
					a += clamp(float64(inv.daysLate()), -60, 120)
				}
				for _, inv := range c.byPaid[max(0, k-10) : k-5] {
					b += clamp(float64(inv.daysLate()), -60, 120)
					nb++
				}
				p.trend = a/5 - b/float64(nb)
			}
		}
		n := c.issuedBy(t)
		lateBy := t.AddDays(-LateDays)
		for i := range c.byIssue[:n] {
			o := &c.byIssue[i]
			if o.ID != inv.ID && o.Due.Before(lateBy) && o.openOn(t) {
				p.overdue++
			}
		}
		for _, d := range c.disputes {
			if d.From.Before(t) && (d.To.IsZero() || !d.To.Before(t)) {
				p.disputes++
			}
		}
		yearAgo := t.AddDays(-365)
		for _, b := range c.broken {
			if b.Before(t) && !b.Before(yearAgo) {
				p.broken++
			}
		}
		// The usual amount: the geometric mean of up to 20 earlier invoices
		// in the same currency.
		var logSum float64
		m := 0
		for i := n - 1; i >= 0 && i >= n-60 && m < 20; i-- {
			o := &c.byIssue[i]
			if o.ID == inv.ID || o.Currency != inv.Currency || o.Amount <= 0 {
				continue
			}
			logSum += math.Log(float64(o.Amount))
			m++
		}
		if m > 0 && inv.Amount > 0 {
			p.ratio = math.Exp(clamp(math.Log(float64(inv.Amount))-logSum/float64(m), -5, 5))
		}
	}
	x := &p.x
	if p.paid == 0 {
		x[fNoHistory] = 1
	}
	x[fPaidCount] = math.Log1p(float64(p.paid))
	share := (float64(p.late) + 2*base) / (float64(p.paid) + 2)
	share = clamp(share, 0.01, 0.99)
	x[fLateShare] = math.Log(share / (1 - share))
	recent := clamp((float64(p.recentLate)+base)/(float64(p.recent)+1), 0.01, 0.99)
	x[fRecentShare] = math.Log(recent / (1 - recent))
	if p.paid > 0 {
		x[fLateZ] = clamp((p.meanLate-LateDays)/max(p.spread, 3), -5, 5)
	}
	x[fMeanLate] = p.meanLate
	x[fLastLate] = p.lastLate
	x[fTrend] = clamp(p.trend, -60, 60)
	x[fSpread] = clamp(p.spread, 0, 60)
	x[fOverdueNow] = math.Log1p(float64(p.overdue))
	x[fDisputes] = math.Log1p(float64(p.disputes))
	x[fBroken] = math.Log1p(float64(p.broken))
	x[fAmount] = math.Log(p.ratio)
	x[fTerms] = float64(p.terms) / 30
	x[fDaysToDue] = clamp(float64(p.toDue), -30, 90) / 30
	if p.toDue <= 0 {
		x[fPastDue] = 1
		x[fPastDueShare] = x[fLateShare]
	}
	day := float64(inv.Due.In(time.UTC).YearDay()-1) / 365
	x[fSeasonSin] = math.Sin(2 * math.Pi * day)
	x[fSeasonCos] = math.Cos(2 * math.Pi * day)
	return p
}

func clamp(v, lo, hi float64) float64 { return math.Min(hi, math.Max(lo, v)) }
