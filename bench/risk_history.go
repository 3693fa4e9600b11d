package bench

import (
	"math"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/risk"
)

// The late-payment history the risk figures are measured on. The network's
// own invoices (generate.go) are a snapshot of open invoices whose payment
// days, in the simulation, are drawn per invoice with no habit at all: no
// model could learn anything from them. Real customers have habits, so this
// history gives each customer one, and adds what a vendor's AR team knows
// moves payments: the season, unusually large invoices, disputes and broken
// promises. BENCHMARKS.md ("Late-payment risk") describes it in full.

const kindHabit uint64 = 17

// habit is how one customer of one vendor pays.
type habit struct {
	mean, sd float64 // days after the due date, and the spread
	drift    float64 // days later per year (negative: earlier)
	never    float64 // chance of never paying
	usual    float64 // log of the usual amount, major units
}

// habitOf draws customer p's habit with vendor v.
func (n *network) habitOf(v int, p int32) habit {
	r := rng(n.cfg.Seed, kindHabit, uint64(v)<<32|uint64(p))
	var h habit
	switch x := r.Float64(); {
	case x < 0.35: // prompt
		h.mean, h.sd, h.never = -3, 3, 0.005
	case x < 0.65: // steady, a few days late
		h.mean, h.sd, h.never = 3, 4, 0.01
	case x < 0.85: // late
		h.mean, h.sd, h.never = 14, 7, 0.02
	default: // chronic
		h.mean, h.sd, h.never = 30, 12, 0.06
	}
	if r.Float64() < 0.2 {
		h.drift = (r.Float64()*2 - 1) * 8
	}
	h.usual = math.Log(50) + r.Float64()*(math.Log(20000)-math.Log(50))
	return h
}

// riskHistory generates vendor v's invoices from start to end (issue days),
// about one per customer a month, with their payment days as they would be
// known on end, and the disputes and broken promises along the way.
func (n *network) riskHistory(v int, start, end civil.Date) risk.History {
	var h risk.History
	gv := n.vendors[v]
	months := start.DaysUntil(end) / 30
	id := int64(0)
	for ci, p := range n.customers[v] {
		hb := n.habitOf(v, p)
		cust := int64(ci + 1)
		for m := range months {
			id++
			r := rng(n.cfg.Seed, kindHabit+1, uint64(v)<<40|uint64(ci)<<16|uint64(m))
			issue := start.AddDays(m*30 + r.IntN(30))
			if !issue.Before(end) {
				continue
			}
			terms := gv.TermsDays
			if r.IntN(5) == 0 {
				terms = []int{14, 30, 45, 60}[r.IntN(4)]
			}
			inv := risk.Invoice{ID: id, CustomerID: cust, Currency: gv.Currency, Issue: issue, Due: issue.AddDays(terms)}
			logAmount := hb.usual + r.NormFloat64()*0.6
			inv.Amount = max(1, int64(math.Exp(logAmount)*100))
			years := float64(start.DaysUntil(inv.Due)) / 365
			delay := hb.mean + hb.drift*years + r.NormFloat64()*hb.sd
			switch inv.Due.Month {
			case 12, 1: // year-end closing and holidays
				delay += 6
			case 8: // summer holidays
				delay += 3
			}
			if logAmount-hb.usual > 0.8 { // more than twice the usual: approvals take longer
				delay += 5
			}
			if r.Float64() < 0.05 { // something went wrong this time
				delay += 10 + r.Float64()*30
			}
			if r.Float64() < 0.04 { // disputed two days after the due date, resolved 1–4 weeks later
				from := inv.Due.AddDays(2)
				to := from.AddDays(7 + r.IntN(21))
				delay = math.Max(delay, float64(inv.Due.DaysUntil(to))+1)
				if to.Before(end) {
					h.Disputes = append(h.Disputes, risk.Dispute{CustomerID: cust, From: from, To: to})
				} else if from.Before(end) {
					h.Disputes = append(h.Disputes, risk.Dispute{CustomerID: cust, From: from})
				}
			}
			if delay > 10 && r.Float64() < 0.3 { // a promise made and broken on the way
				if at := inv.Due.AddDays(10); at.Before(end) {
					h.Broken = append(h.Broken, risk.Broken{CustomerID: cust, At: at})
				}
			}
			if r.Float64() >= hb.never {
				paid := inv.Due.AddDays(int(math.Round(delay)))
				if !paid.After(issue) {
					paid = issue.AddDays(1)
				}
				if paid.Before(end) {
					inv.Paid = paid
				}
			}
			h.Invoices = append(h.Invoices, inv)
		}
	}
	return h
}
