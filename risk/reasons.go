package risk

import (
	"fmt"
	"math"
)

// Reasons are given per group of features: a group is one fact a vendor
// recognises ("usually pays 20 days late"), however many features carry it.
const (
	gHistory = iota // no history, the number of payments, and the late share
	gMeanLate
	gLastLate
	gTrend
	gSpread
	gOverdue
	gDisputes
	gBroken
	gAmount
	gTerms
	gDaysToDue
	gSeason
	numGroups
)

var groupOf = [numFeatures]int{
	fNoHistory: gHistory, fPaidCount: gHistory, fLateShare: gHistory, fLateZ: gMeanLate, fRecentShare: gHistory,
	fMeanLate: gMeanLate, fLastLate: gLastLate, fTrend: gTrend, fSpread: gSpread,
	fOverdueNow: gOverdue, fDisputes: gDisputes, fBroken: gBroken, fAmount: gAmount,
	fTerms: gTerms, fDaysToDue: gDaysToDue, fPastDue: gDaysToDue, fPastDueShare: gDaysToDue, fSeasonSin: gSeason, fSeasonCos: gSeason,
}

const (
	noHistoryWords       = "No earlier payment from this customer yet"
	fallbackWords        = "Too little payment history for a model: this customer's share of late payments"
	noVendorHistoryWords = "No payment history with this vendor yet"
)

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

func lateShareWords(p point) string {
	return fmt.Sprintf("Paid %d of %s more than %d days late", p.late, plural(p.paid, "earlier invoice", "earlier invoices"), LateDays)
}

func overdueWords(days int) string {
	return fmt.Sprintf("Already %d days overdue", days)
}

// daysWords says how a payment day compares with its due date.
func daysWords(d float64) string {
	n := int(math.Round(d))
	switch {
	case n > 0:
		return plural(n, "day", "days") + " after the due date"
	case n < 0:
		return plural(-n, "day", "days") + " before the due date"
	}
	return "on the due date"
}

// wordsFor is the reason of group g for point p.
func wordsFor(g int, p point) string {
	switch g {
	case gHistory:
		if p.paid == 0 {
			return noHistoryWords
		}
		return lateShareWords(p)
	case gMeanLate:
		return fmt.Sprintf("Usually pays %s (last %s)", daysWords(p.meanLate), plural(p.recent, "payment", "payments"))
	case gLastLate:
		return "Paid the last invoice " + daysWords(p.lastLate)
	case gTrend:
		if p.trend >= 0 {
			return fmt.Sprintf("Paying later lately: the last 5 payments came %.0f days later than the 5 before", p.trend)
		}
		return fmt.Sprintf("Paying earlier lately: the last 5 payments came %.0f days earlier than the 5 before", -p.trend)
	case gSpread:
		return fmt.Sprintf("Payment days vary by about %.0f days", p.spread)
	case gOverdue:
		if p.overdue == 0 {
			return fmt.Sprintf("No other invoice more than %d days overdue", LateDays)
		}
		return fmt.Sprintf("%s more than %d days overdue", plural(p.overdue, "other invoice", "other invoices"), LateDays)
	case gDisputes:
		if p.disputes == 0 {
			return "No open dispute"
		}
		return plural(p.disputes, "open dispute", "open disputes")
	case gBroken:
		if p.broken == 0 {
			return "No broken promise to pay in the last year"
		}
		return plural(p.broken, "broken promise", "broken promises") + " to pay in the last year"
	case gAmount:
		return fmt.Sprintf("Amount %.1f× this customer's usual", p.ratio)
	case gTerms:
		return fmt.Sprintf("%d-day payment terms", p.terms)
	case gDaysToDue:
		switch {
		case p.toDue > 0:
			return "Due in " + plural(p.toDue, "day", "days")
		case p.toDue == 0:
			return "Due today"
		}
		return plural(-p.toDue, "day", "days") + " overdue"
	case gSeason:
		return fmt.Sprintf("Due in %s (season)", p.month)
	}
	return ""
}
