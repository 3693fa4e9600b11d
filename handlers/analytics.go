package handlers

import (
	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/analytics"
	"github.com/duehub/duehub/civil"
)

// GET /v1/analytics: the vendor's AR figures as one object, the shape in
// handlers/openapi.yaml (AnalyticsReport). The web page and the CSV export
// show the same report.

type currencyFigureJSON struct {
	Currency string   `json:"currency"`
	Value    *float64 `json:"value"`
}

type agingJSON struct {
	Bucket   string `json:"bucket"`
	Currency string `json:"currency"`
	Amount   int64  `json:"amount"`
	Count    int64  `json:"count"`
}

type lateMonthJSON struct {
	Month          string   `json:"month"`
	Currency       string   `json:"currency"`
	Paid           int64    `json:"paid"`
	PaidLate       int64    `json:"paid_late"`
	AmountPaidLate int64    `json:"amount_paid_late"`
	SharePaidLate  *float64 `json:"share_paid_late"`
}

type disputeMonthJSON struct {
	Month          string `json:"month"`
	Currency       string `json:"currency"`
	Count          int64  `json:"count"`
	DisputedAmount int64  `json:"disputed_amount"`
}

type reasonJSON struct {
	Reason string `json:"reason"`
	Count  int64  `json:"count"`
}

type delinquentJSON struct {
	CustomerExternalID string `json:"customer_external_id"`
	Name               string `json:"name"`
	Currency           string `json:"currency"`
	OverdueAmount      int64  `json:"overdue_amount"`
	OldestDaysOverdue  int    `json:"oldest_days_overdue"`
	OpenDisputes       int64  `json:"open_disputes"`
}

type durationsJSON struct {
	Count       int      `json:"count"`
	MedianHours *float64 `json:"median_hours"`
	P90Hours    *float64 `json:"p90_hours"`
}

type memberResponseJSON struct {
	MemberID     *int64        `json:"member_id"`
	Name         string        `json:"name"`
	FirstReply   durationsJSON `json:"first_reply"`
	Resolutions  int           `json:"resolutions"`
	OpenAssigned int64         `json:"open_assigned"`
}

type responseTimeJSON struct {
	FirstReply  durationsJSON        `json:"first_reply"`
	Resolution  durationsJSON        `json:"resolution"`
	TargetHours *float64             `json:"target_hours"`
	PastTarget  int                  `json:"past_target"`
	Members     []memberResponseJSON `json:"members"`
}

type accuracyJSON struct {
	Invoices   int64        `json:"invoices"`
	WithThread int64        `json:"with_question_or_dispute"`
	Share      *float64     `json:"share"`
	ByReason   []reasonJSON `json:"by_reason"`
}

type daysJSON struct {
	Count  int      `json:"count"`
	Avg    *float64 `json:"avg"`
	Median *float64 `json:"median"`
}

// cohortJSON is one billing month: shares are per cent, null until every
// invoice of the month has had the days.
type cohortJSON struct {
	Month             string   `json:"month"`
	Invoices          int64    `json:"invoices"`
	PaidWithin30      int64    `json:"paid_within_30"`
	PaidWithin60      int64    `json:"paid_within_60"`
	PaidWithin90      int64    `json:"paid_within_90"`
	SharePaidWithin30 *float64 `json:"share_paid_within_30"`
	SharePaidWithin60 *float64 `json:"share_paid_within_60"`
	SharePaidWithin90 *float64 `json:"share_paid_within_90"`
	AtRiskRate        *float64 `json:"at_risk_rate"`
}

type reminderEffectJSON struct {
	Digests              int64    `json:"digests"`
	InvoicesCarried      int64    `json:"invoices_carried"`
	PaidWithin7Days      int64    `json:"paid_within_7_days"`
	SharePaidWithin7Days *float64 `json:"share_paid_within_7_days"`
	PayClicks            int64    `json:"pay_clicks"`
	PayClicksPerDigest   *float64 `json:"pay_clicks_per_digest"`
}

type analyticsResponse struct {
	From                       civil.Date           `json:"from"`
	To                         civil.Date           `json:"to"`
	Currency                   *string              `json:"currency"`
	AsOf                       string               `json:"as_of"`
	DSO                        []currencyFigureJSON `json:"dso"`
	ADD                        []currencyFigureJSON `json:"add"`
	CEI                        []currencyFigureJSON `json:"cei"`
	Aging                      []agingJSON          `json:"aging"`
	LatePaymentsByMonth        []lateMonthJSON      `json:"late_payments_by_month"`
	DisputesByMonth            []disputeMonthJSON   `json:"disputes_by_month"`
	TopDisputeReasons          []reasonJSON         `json:"top_dispute_reasons"`
	TopLateReasons             []reasonJSON         `json:"top_late_reasons"`
	AvgDaysToResolveDispute    *float64             `json:"avg_days_to_resolve_dispute"`
	DaysToResolveDispute       daysJSON             `json:"days_to_resolve_dispute"`
	AvgDaysToResolveDelinquent *float64             `json:"avg_days_to_resolve_delinquent"`
	TopDelinquentCustomers     []delinquentJSON     `json:"top_delinquent_customers"`
	ResponseTime               responseTimeJSON     `json:"response_time"`
	InvoiceAccuracy            accuracyJSON         `json:"invoice_accuracy"`
	Timezone                   string               `json:"timezone"`
	Cohorts                    []cohortJSON         `json:"cohorts"`
	ReminderEffect             reminderEffectJSON   `json:"reminder_effect"`
	Benchmarks                 *benchmarksJSON      `json:"benchmarks,omitempty"`
}

func figuresOut(in []analytics.CurrencyFigure) []currencyFigureJSON {
	out := make([]currencyFigureJSON, len(in))
	for i, f := range in {
		out[i] = currencyFigureJSON{f.Currency, f.Value}
	}
	return out
}

func reasonsOut(in []analytics.ReasonCount) []reasonJSON {
	out := make([]reasonJSON, len(in))
	for i, r := range in {
		out[i] = reasonJSON{r.Reason, r.Count}
	}
	return out
}

func durationsOut(d analytics.Durations) durationsJSON {
	return durationsJSON{d.Count, d.MedianHours, d.P90Hours}
}

func analyticsOut(r analytics.Report) analyticsResponse {
	out := analyticsResponse{
		From: r.Period.From, To: r.Period.To, AsOf: r.AsOf.UTC().Format("2006-01-02T15:04:05Z"),
		DSO: figuresOut(r.DSO), ADD: figuresOut(r.ADD), CEI: figuresOut(r.CEI),
		Aging:                      make([]agingJSON, len(r.Aging)),
		LatePaymentsByMonth:        make([]lateMonthJSON, len(r.LatePaymentsByMonth)),
		DisputesByMonth:            make([]disputeMonthJSON, len(r.DisputesByMonth)),
		TopDisputeReasons:          reasonsOut(r.TopDisputeReasons),
		TopLateReasons:             reasonsOut(r.TopLateReasons),
		AvgDaysToResolveDispute:    r.DisputeResolution.Avg,
		DaysToResolveDispute:       daysJSON{r.DisputeResolution.Count, r.DisputeResolution.Avg, r.DisputeResolution.Median},
		AvgDaysToResolveDelinquent: r.AvgDaysToResolveDelinq,
		TopDelinquentCustomers:     make([]delinquentJSON, len(r.TopDelinquentCustomers)),
		ResponseTime: responseTimeJSON{
			FirstReply: durationsOut(r.ResponseTime.FirstReply), Resolution: durationsOut(r.ResponseTime.Resolution),
			PastTarget: r.ResponseTime.PastTarget, Members: make([]memberResponseJSON, len(r.ResponseTime.Members)),
		},
		InvoiceAccuracy: accuracyJSON{Invoices: r.InvoiceAccuracy.Invoices, WithThread: r.InvoiceAccuracy.WithThread,
			Share: r.InvoiceAccuracy.Share, ByReason: reasonsOut(r.InvoiceAccuracy.ByReason)},
	}
	if r.Period.Currency != "" {
		out.Currency = &r.Period.Currency
	}
	out.Timezone = r.Timezone
	out.Cohorts = make([]cohortJSON, len(r.Cohorts))
	for i, c := range r.Cohorts {
		out.Cohorts[i] = cohortJSON{Month: c.Month, Invoices: c.Invoices, PaidWithin30: c.Paid[0], PaidWithin60: c.Paid[1],
			PaidWithin90: c.Paid[2], SharePaidWithin30: c.Share[0], SharePaidWithin60: c.Share[1], SharePaidWithin90: c.Share[2],
			AtRiskRate: c.AtRisk}
	}
	re := r.ReminderEffect
	out.ReminderEffect = reminderEffectJSON{Digests: re.Digests, InvoicesCarried: re.Invoices, PaidWithin7Days: re.PaidWithin7Days,
		SharePaidWithin7Days: re.Share, PayClicks: re.PayClicks, PayClicksPerDigest: re.ClicksPerDigest}
	for i, a := range r.Aging {
		out.Aging[i] = agingJSON(a)
	}
	for i, m := range r.LatePaymentsByMonth {
		out.LatePaymentsByMonth[i] = lateMonthJSON{Month: m.Month, Currency: m.Currency, Paid: m.Paid, PaidLate: m.PaidLate,
			AmountPaidLate: m.AmountPaidLate, SharePaidLate: percent(m.PaidLate, m.Paid)}
	}
	for i, d := range r.DisputesByMonth {
		out.DisputesByMonth[i] = disputeMonthJSON(d)
	}
	for i, d := range r.TopDelinquentCustomers {
		out.TopDelinquentCustomers[i] = delinquentJSON(d)
	}
	if r.ResponseTime.TargetHours > 0 {
		out.ResponseTime.TargetHours = &r.ResponseTime.TargetHours
	}
	for i, m := range r.ResponseTime.Members {
		mj := memberResponseJSON{Name: m.Name, FirstReply: durationsOut(m.FirstReplies), Resolutions: m.Resolutions, OpenAssigned: m.OpenAssigned}
		if m.MemberID != 0 {
			id := m.MemberID
			mj.MemberID = &id
		}
		out.ResponseTime.Members[i] = mj
	}
	return out
}

// percent is part of whole in per cent to one decimal, nil for no whole.
func percent(part, whole int64) *float64 {
	if whole == 0 {
		return nil
	}
	f := float64(int64(float64(part)/float64(whole)*1000+0.5)) / 10
	return &f
}

// report reads the period from the query string and computes the vendor's
// report; bad input is the validation error to show.
func (s *Server) report(c *gin.Context, vendorID int64) (analytics.Report, error) {
	today, err := s.analytics.Today(c.Request.Context(), vendorID)
	if err != nil {
		return analytics.Report{}, err
	}
	p, err := analytics.ParsePeriod(c.Query("from"), c.Query("to"), c.Query("currency"), today)
	if err != nil {
		return analytics.Report{}, err
	}
	return s.analytics.Compute(c.Request.Context(), vendorID, p)
}

// getAnalytics answers GET /v1/analytics.
func (s *Server) getAnalytics(c *gin.Context) {
	if s.analytics == nil {
		s.fail(c, errNoRoute)
		return
	}
	r, err := s.report(c, vendorID(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	out := analyticsOut(r)
	if err := s.withBenchmarks(c.Request.Context(), vendorID(c), r, &out); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(200, out)
}
