package risk

import (
	"slices"

	"github.com/duehub/duehub/civil"
)

// LateDays is how late a payment must be to count as late: paid more than
// LateDays days after the due date.
const LateDays = 7

// Invoice is one invoice of a vendor's history as the model sees it.
type Invoice struct {
	ID         int64
	CustomerID int64
	Currency   string
	Amount     int64 // amount due, minor units
	Issue, Due civil.Date
	// Paid is the day it was paid; zero while unpaid.
	Paid civil.Date
}

// Dispute is a dispute hold on one of a customer's invoices, open from From
// until To (zero: still open).
type Dispute struct {
	CustomerID int64
	From, To   civil.Date
}

// Broken is a promise to pay a customer broke on At.
type Broken struct {
	CustomerID int64
	At         civil.Date
}

// History is everything one vendor's model learns from. Void invoices are
// left out by whoever builds it.
type History struct {
	Invoices []Invoice
	Disputes []Dispute
	Broken   []Broken
}

// openOn reports whether inv was still unpaid at the start of day t.
func (inv Invoice) openOn(t civil.Date) bool {
	return inv.Paid.IsZero() || !inv.Paid.Before(t)
}

// daysLate is how many days after its due date inv was paid.
func (inv Invoice) daysLate() int { return inv.Due.DaysUntil(inv.Paid) }

// Label says whether inv was paid late, as known at the start of day asOf:
// paid by then, or unpaid more than LateDays days after its due date. ok is
// false while the answer is not known yet.
func (inv Invoice) Label(asOf civil.Date) (late, ok bool) {
	if !inv.Paid.IsZero() && inv.Paid.Before(asOf) {
		return inv.daysLate() > LateDays, true
	}
	if inv.Due.AddDays(LateDays).Before(asOf) {
		return true, true
	}
	return false, false
}

// customerHistory is one customer's invoices, indexed for point-in-time
// questions.
type customerHistory struct {
	byPaid   []Invoice // paid invoices by paid day
	byIssue  []Invoice // every invoice by issue day
	disputes []Dispute
	broken   []civil.Date
	// lateBefore[k] counts the late payments among byPaid[:k].
	lateBefore []int
}

// index groups h by customer.
func index(h History) map[int64]*customerHistory {
	out := map[int64]*customerHistory{}
	get := func(id int64) *customerHistory {
		c := out[id]
		if c == nil {
			c = &customerHistory{}
			out[id] = c
		}
		return c
	}
	for _, inv := range h.Invoices {
		c := get(inv.CustomerID)
		c.byIssue = append(c.byIssue, inv)
		if !inv.Paid.IsZero() {
			c.byPaid = append(c.byPaid, inv)
		}
	}
	for _, d := range h.Disputes {
		get(d.CustomerID).disputes = append(get(d.CustomerID).disputes, d)
	}
	for _, b := range h.Broken {
		get(b.CustomerID).broken = append(get(b.CustomerID).broken, b.At)
	}
	for _, c := range out {
		slices.SortFunc(c.byPaid, func(a, b Invoice) int { return a.Paid.Compare(b.Paid) })
		slices.SortFunc(c.byIssue, func(a, b Invoice) int { return a.Issue.Compare(b.Issue) })
		c.lateBefore = make([]int, len(c.byPaid)+1)
		for i, inv := range c.byPaid {
			c.lateBefore[i+1] = c.lateBefore[i]
			if inv.daysLate() > LateDays {
				c.lateBefore[i+1]++
			}
		}
	}
	return out
}

// paidBefore is how many of c's invoices were paid before day t.
func (c *customerHistory) paidBefore(t civil.Date) int {
	k, _ := slices.BinarySearchFunc(c.byPaid, t, func(inv Invoice, t civil.Date) int {
		if inv.Paid.Before(t) {
			return -1
		}
		return 1
	})
	return k
}

// issuedBy is how many of c's invoices were issued on or before day t.
func (c *customerHistory) issuedBy(t civil.Date) int {
	k, _ := slices.BinarySearchFunc(c.byIssue, t, func(inv Invoice, t civil.Date) int {
		if inv.Issue.After(t) {
			return 1
		}
		return -1
	})
	return k
}
