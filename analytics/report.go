package analytics

import (
	"time"

	"github.com/duehub/duehub/civil"
)

// Period is the days a report covers, both included, in the vendor's time
// zone.
type Period struct {
	From, To civil.Date
	// Currency, when set, limits the money figures to it.
	Currency string
}

// Days is the number of days in the period.
func (p Period) Days() int { return p.From.DaysUntil(p.To) + 1 }

// Report is every figure of one vendor over one period. Money figures are
// per currency; a ratio is nil when its denominator is zero.
type Report struct {
	Period Period
	AsOf   time.Time
	// Timezone is the vendor's zone the days and months are counted in.
	Timezone string

	DSO []CurrencyFigure
	ADD []CurrencyFigure
	CEI []CurrencyFigure

	Aging                  []AgingBucket
	LatePaymentsByMonth    []LateMonth
	DisputesByMonth        []DisputeMonth
	TopDisputeReasons      []ReasonCount
	TopLateReasons         []ReasonCount
	DisputeResolution      Days
	AvgDaysToResolveDelinq *float64
	TopDelinquentCustomers []DelinquentCustomer
	ResponseTime           ResponseTime
	InvoiceAccuracy        Accuracy
	Cohorts                []Cohort
	ReminderEffect         ReminderEffect
}

// CurrencyFigure is a ratio computed within one currency.
type CurrencyFigure struct {
	Currency string
	Value    *float64
}

// Aging buckets, by days past due as of the report's day.
var AgingBuckets = []string{"current", "1-30", "31-60", "61-90", "90+"}

// AgingBucket is what is open in one bucket and currency.
type AgingBucket struct {
	Bucket   string
	Currency string
	Amount   int64
	Count    int64
}

// LateMonth is the invoices paid in one month (the vendor's) and currency, and
// those of them paid after their due date.
type LateMonth struct {
	Month          string // 2026-11
	Currency       string
	Paid           int64
	PaidLate       int64
	AmountPaidLate int64
}

// DisputeMonth is the disputes opened in one month and currency.
type DisputeMonth struct {
	Month          string
	Currency       string
	Count          int64
	DisputedAmount int64
}

// ReasonCount is how often one reason was given.
type ReasonCount struct {
	Reason string
	Count  int64
}

// Days is an average and a median in days over Count items; nil without
// items.
type Days struct {
	Count  int
	Avg    *float64
	Median *float64
}

// DelinquentCustomer is one customer's overdue invoices in one currency.
type DelinquentCustomer struct {
	CustomerExternalID string
	Name               string
	Currency           string
	OverdueAmount      int64
	OldestDaysOverdue  int
	OpenDisputes       int64
}

// Durations summarises times in hours: median and 90th percentile.
type Durations struct {
	Count       int
	MedianHours *float64
	P90Hours    *float64
}

// ResponseTime is how fast the vendor's team answers and resolves the
// threads opened in the period, overall and per member.
type ResponseTime struct {
	FirstReply  Durations
	Resolution  Durations
	TargetHours float64 // the deadline for a first reply; 0 means one business day
	// PastTarget counts the period's threads answered after the target, or
	// still unanswered past it.
	PastTarget int
	Members    []MemberResponse
}

// MemberResponse is one member's share of the team's answers. MemberID 0
// is the API (answers sent with an API key).
type MemberResponse struct {
	MemberID     int64
	Name         string
	FirstReplies Durations
	Resolutions  int
	OpenAssigned int64
}

// Accuracy is the share of the period's invoices on which the payer asked
// a question or opened a dispute, and why.
type Accuracy struct {
	Invoices   int64
	WithThread int64
	Share      *float64
	ByReason   []ReasonCount
}
