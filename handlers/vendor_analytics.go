package handlers

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/analytics"
	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/money"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
)

// GET /vendor/analytics: the signed-in member's vendor's figures over a
// period picked with a plain GET form (range=30|90|365|YYYY-MM, or from and
// to), as numbers, SVG charts and the tables they draw.

// threadReasonLabel names a reason of the dispute and question figures:
// a dispute reason, or "question". Late-payment reasons have their own
// labels (payers.LateReasonLabel): the two taxonomies share codes
// ("not_received", "other") that read differently in each.
func threadReasonLabel(code string) string {
	if code == "question" {
		return "Question"
	}
	return threads.ReasonLabel(code)
}

type rangeOption struct {
	Value, Label string
	Selected     bool
}

// vendorPeriod turns the page's query into from and to: range=30|90|365
// or a month (YYYY-MM); from and to when range is custom or absent.
func vendorPeriod(c *gin.Context, today civil.Date) (from, to, rng string) {
	rng = c.Query("range")
	if rng == "custom" || (rng == "" && (c.Query("from") != "" || c.Query("to") != "")) {
		return c.Query("from"), c.Query("to"), "custom"
	}
	switch rng {
	case "30", "365":
		n, _ := strconv.Atoi(rng)
		return today.AddDays(1 - n).String(), today.String(), rng
	}
	if d, err := civil.Parse(rng + "-01"); err == nil {
		next := d.AddDays(31)
		return d.String(), next.AddDays(-next.Day).String(), rng
	}
	return today.AddDays(-89).String(), today.String(), "90"
}

func rangeOptions(today civil.Date, selected string, p analytics.Period) []rangeOption {
	var opts []rangeOption
	if selected == "custom" {
		opts = append(opts, rangeOption{"custom", p.From.String() + " to " + p.To.String(), false})
	}
	opts = append(opts, []rangeOption{{"30", "Last 30 days", false}, {"90", "Last 90 days", false}, {"365", "Last 365 days", false}}...)
	first := civil.Date{Year: today.Year, Month: today.Month, Day: 1}
	for i := 0; i < 12; i++ {
		m := time.Date(first.Year, first.Month-time.Month(i), 1, 0, 0, 0, 0, time.UTC)
		opts = append(opts, rangeOption{m.Format("2006-01"), m.Format("January 2006"), false})
	}
	for i := range opts {
		opts[i].Selected = opts[i].Value == selected
	}
	return opts
}

type figureRow struct {
	Currency, DSO, ADD, CEI string
}

type agingView struct {
	Currency string
	Chart    template.HTML
	Rows     []agingRow
	Total    string
}

type agingRow struct {
	Bucket, Amount string
	Count          int64
}

type statView struct{ Label, Value, Hint string }

type monthRow struct {
	Month, Currency, Amount, Share string
	Count, Late                    int64
}

type reasonRow struct {
	Label string
	Count int64
}

type delinquentRow struct {
	ID, Name, Amount string
	Days             int
	Disputes         int64
}

type memberFigureRow struct {
	Name, Median, P90    string
	Replies, Resolutions int
	Open                 int64
}

type analyticsView struct {
	Ranges              []rangeOption
	From, To            string
	Custom              bool
	Admin               bool
	TargetHours         int
	Currency            string
	Query               string // the period's query string, for the CSV links
	Figures             []figureRow
	Stats               []statView
	Aging               []agingView
	LateChart           template.HTML
	Late                []monthRow
	DisputesChart       template.HTML
	Disputes            []monthRow
	DisputeReasonsChart template.HTML
	DisputeReasons      []reasonRow
	LateReasonsChart    template.HTML
	LateReasons         []reasonRow
	AccuracyChart       template.HTML
	Accuracy            []reasonRow
	Delinquent          []delinquentRow
	Members             []memberFigureRow
	CSVSets             []csvLink
	Timezone            string
	CohortsChart        template.HTML
	Cohorts             []cohortRow
	Reminders           []statView
	SizeClass           string
	MinVendors          int
	Benchmarks          []benchmarkRow
	// BenchmarksPending: the network's figures were never computed yet.
	BenchmarksPending bool
	// BenchmarkDays and BenchmarksAsOf say which period and when.
	BenchmarkDays  int
	BenchmarksAsOf string
}

type cohortRow struct {
	Month                                string
	Invoices                             int64
	Within30, Within60, Within90, AtRisk string
}

type csvLink struct {
	Label string
	Href  template.URL
}

func reasonRows(rs []analytics.ReasonCount, label func(string) string) []reasonRow {
	out := make([]reasonRow, len(rs))
	for i, r := range rs {
		out[i] = reasonRow{label(r.Reason), r.Count}
	}
	return out
}

// fill turns the report into the page's strings and rows.
func (v *analyticsView) fill(r analytics.Report, out analyticsResponse) {
	for i, f := range r.DSO {
		v.Figures = append(v.Figures, figureRow{f.Currency, days(f.Value), days(r.ADD[i].Value), pct(r.CEI[i].Value)})
	}
	rt := r.ResponseTime
	target := "1 business day"
	if rt.TargetHours > 0 {
		target = hours(&rt.TargetHours)
	}
	v.Stats = []statView{
		{"First reply, median", hours(rt.FirstReply.MedianHours), "90 % within " + hours(rt.FirstReply.P90Hours) + " · " + strconv.Itoa(rt.FirstReply.Count) + " threads"},
		{"Resolution, median", hours(rt.Resolution.MedianHours), "90 % within " + hours(rt.Resolution.P90Hours) + " · " + strconv.Itoa(rt.Resolution.Count) + " threads"},
		{"Threads past target", strconv.Itoa(rt.PastTarget), "target: first reply within " + target},
		{"Days to resolve a dispute", days(r.DisputeResolution.Avg), "average; median " + days(r.DisputeResolution.Median)},
		{"Days to resolve a delinquent invoice", days(r.AvgDaysToResolveDelinq), "average, from due date to paid"},
		{"Invoices with a question or dispute", pct(r.InvoiceAccuracy.Share), strconv.FormatInt(r.InvoiceAccuracy.WithThread, 10) + " of " + strconv.FormatInt(r.InvoiceAccuracy.Invoices, 10) + " billed"},
	}
	v.Aging = agingViews(r.Aging)
	for _, m := range out.LatePaymentsByMonth {
		v.Late = append(v.Late, monthRow{Month: m.Month, Currency: m.Currency, Count: m.Paid, Late: m.PaidLate,
			Amount: money.Format(m.AmountPaidLate, m.Currency), Share: pct(m.SharePaidLate)})
	}
	for _, m := range out.DisputesByMonth {
		v.Disputes = append(v.Disputes, monthRow{Month: m.Month, Currency: m.Currency, Count: m.Count, Amount: money.Format(m.DisputedAmount, m.Currency)})
	}
	v.LateChart = lateTrend(out.LatePaymentsByMonth)
	v.DisputesChart = disputeTrend(out.DisputesByMonth)
	v.DisputeReasonsChart = reasonChart("c-dr", "Top reasons for disputes", r.TopDisputeReasons, threadReasonLabel)
	v.DisputeReasons = reasonRows(r.TopDisputeReasons, threadReasonLabel)
	v.LateReasonsChart = reasonChart("c-lr", "Top reasons for late payment", r.TopLateReasons, payers.LateReasonLabel)
	v.LateReasons = reasonRows(r.TopLateReasons, payers.LateReasonLabel)
	v.AccuracyChart = reasonChart("c-acc", "Invoices with a question or dispute, by reason", r.InvoiceAccuracy.ByReason, threadReasonLabel)
	v.Accuracy = reasonRows(r.InvoiceAccuracy.ByReason, threadReasonLabel)
	for _, d := range r.TopDelinquentCustomers {
		v.Delinquent = append(v.Delinquent, delinquentRow{ID: d.CustomerExternalID, Name: d.Name,
			Amount: money.Format(d.OverdueAmount, d.Currency), Days: d.OldestDaysOverdue, Disputes: d.OpenDisputes})
	}
	v.Timezone = r.Timezone
	for _, c := range out.Cohorts {
		v.Cohorts = append(v.Cohorts, cohortRow{Month: c.Month, Invoices: c.Invoices, Within30: pct(c.SharePaidWithin30),
			Within60: pct(c.SharePaidWithin60), Within90: pct(c.SharePaidWithin90), AtRisk: pct(c.AtRiskRate)})
	}
	v.CohortsChart = cohortChart(out.Cohorts)
	re := out.ReminderEffect
	v.Reminders = []statView{
		{"Paid within 7 days of a digest", pct(re.SharePaidWithin7Days), strconv.FormatInt(re.PaidWithin7Days, 10) + " of " +
			strconv.FormatInt(re.InvoicesCarried, 10) + " invoices the digests carried"},
		{"Pay-link clicks per digest", perDigest(re.PayClicksPerDigest), strconv.FormatInt(re.PayClicks, 10) + " clicks · " +
			strconv.FormatInt(re.Digests, 10) + " digests carried your invoices"},
	}
	if out.Benchmarks != nil {
		v.MinVendors = out.Benchmarks.MinVendors
		if out.Benchmarks.SizeClass != nil {
			v.SizeClass = *out.Benchmarks.SizeClass
		}
		v.Benchmarks = benchmarkRows(out.Benchmarks)
		v.BenchmarksPending, v.BenchmarkDays = out.Benchmarks.Pending, out.Benchmarks.PeriodDays
		if out.Benchmarks.ComputedAt != nil {
			v.BenchmarksAsOf = out.Benchmarks.ComputedAt.Format("2 Jan 2006, 15:04") + " UTC"
		}
	}
	for _, m := range rt.Members {
		v.Members = append(v.Members, memberFigureRow{Name: m.Name, Median: hours(m.FirstReplies.MedianHours), P90: hours(m.FirstReplies.P90Hours),
			Replies: m.FirstReplies.Count, Resolutions: m.Resolutions, Open: m.OpenAssigned})
	}
}

func (s *Server) vendorAnalytics(c *gin.Context) {
	if s.analytics == nil {
		s.vendorNotFound(c)
		return
	}
	m := member(c)
	today, err := s.analytics.Today(c.Request.Context(), member(c).VendorID)
	if err != nil {
		s.fail(c, err)
		return
	}
	from, to, rng := vendorPeriod(c, today)
	p, err := analytics.ParsePeriod(from, to, c.Query("currency"), today)
	var ve *vendors.ValidationError
	if errors.As(err, &ve) {
		s.renderVendor(c, http.StatusBadRequest, "message", vendorPage{Title: "That period cannot be shown",
			Error: ve.Fields[0].Field + " " + ve.Fields[0].Message + "."})
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.analytics.Compute(c.Request.Context(), m.VendorID, p)
	if err != nil {
		s.fail(c, err)
		return
	}
	q := url.Values{"from": {p.From.String()}, "to": {p.To.String()}}
	if p.Currency != "" {
		q.Set("currency", p.Currency)
	}
	v := analyticsView{Ranges: rangeOptions(today, rng, p), Custom: rng == "custom", From: p.From.String(), To: p.To.String(), Currency: p.Currency,
		Query: q.Encode()}
	for _, set := range csvSets {
		// The query is built by url.Values: safe in an href as it is.
		v.CSVSets = append(v.CSVSets, csvLink{set.Label, template.URL("/vendor/analytics.csv?set=" + set.Name + "&" + v.Query)})
	}
	out := analyticsOut(r)
	if err := s.withBenchmarks(c.Request.Context(), m.VendorID, r, &out); err != nil {
		s.fail(c, err)
		return
	}
	v.fill(r, out)
	v.Admin, v.TargetHours = m.Role == vendors.RoleAdmin, int(r.ResponseTime.TargetHours)
	flash := ""
	if c.Query("done") == "target" {
		flash = "The response-time target is saved."
	}
	s.renderVendor(c, http.StatusOK, "analytics", vendorPage{Title: "Analytics", Data: v, Flash: flash})
}

func agingViews(rows []analytics.AgingBucket) []agingView {
	var out []agingView
	for _, a := range rows {
		if len(out) == 0 || out[len(out)-1].Currency != a.Currency {
			out = append(out, agingView{Currency: a.Currency})
		}
		av := &out[len(out)-1]
		av.Rows = append(av.Rows, agingRow{a.Bucket, money.Format(a.Amount, a.Currency), a.Count})
	}
	for i := range out {
		av := &out[i]
		var segs []stackSegment
		var total int64
		for _, b := range analytics.AgingBuckets {
			for _, a := range rows {
				if a.Currency == av.Currency && a.Bucket == b {
					segs = append(segs, stackSegment{b, float64(a.Amount)})
					total += a.Amount
				}
			}
		}
		av.Total = money.Format(total, av.Currency)
		av.Chart = stackedBar("c-aging-"+av.Currency, "Aging of open "+av.Currency+" receivables by days past due", segs)
	}
	return out
}

// lateTrend is the share paid late per month, all currencies counted.
func lateTrend(months []lateMonthJSON) template.HTML {
	var labels []string
	var paid, late []int64
	for _, m := range months {
		i := slices.Index(labels, m.Month)
		if i < 0 {
			labels, paid, late = append(labels, m.Month), append(paid, 0), append(late, 0)
			i = len(labels) - 1
		}
		paid[i] += m.Paid
		late[i] += m.PaidLate
	}
	values := make([]float64, len(labels))
	for i := range labels {
		values[i] = *percent(late[i], paid[i])
	}
	return lineChart("c-late", "Share of invoices paid after their due date, by month", labels, values)
}

func disputeTrend(months []disputeMonthJSON) template.HTML {
	var labels []string
	var values []float64
	for _, m := range months {
		if i := slices.Index(labels, m.Month); i >= 0 {
			values[i] += float64(m.Count)
			continue
		}
		labels, values = append(labels, m.Month), append(values, float64(m.Count))
	}
	return vbarChart("c-disputes", "Disputes opened by month", labels, values, func(f float64) string { return fmt.Sprintf("%.0f", f) })
}

func reasonChart(id, label string, rs []analytics.ReasonCount, reasonLabel func(string) string) template.HTML {
	labels, values := make([]string, len(rs)), make([]float64, len(rs))
	for i, r := range rs {
		labels[i], values[i] = reasonLabel(r.Reason), float64(r.Count)
	}
	return hbarChart(id, label, labels, values, func(f float64) string { return fmt.Sprintf("%.0f", f) })
}

// cohortChart is the at-risk rate of the billing months old enough to
// have one.
func cohortChart(cs []cohortJSON) template.HTML {
	var labels []string
	var values []float64
	for _, c := range cs {
		if c.AtRiskRate != nil {
			labels, values = append(labels, c.Month), append(values, *c.AtRiskRate)
		}
	}
	return lineChart("c-risk", "At-risk rate by billing month: share still unpaid 90 days after billing", labels, values)
}

func perDigest(f *float64) string {
	if f == nil {
		return "–"
	}
	return strconv.FormatFloat(*f, 'f', 2, 64)
}

func days(f *float64) string {
	if f == nil {
		return "–"
	}
	return strconv.FormatFloat(*f, 'f', 1, 64) + " days"
}

func pct(f *float64) string {
	if f == nil {
		return "–"
	}
	return strconv.FormatFloat(*f, 'f', 1, 64) + " %"
}

func hours(f *float64) string {
	if f == nil {
		return "–"
	}
	h := *f
	if h >= 48 {
		return strconv.FormatFloat(h/24, 'f', 1, 64) + " days"
	}
	return strconv.FormatFloat(h, 'f', 1, 64) + " h"
}

// vendorSetTarget answers POST /vendor/analytics/target (admins): the
// hours within which the team means to answer a new thread, 0 for the
// default of one business day.
func (s *Server) vendorSetTarget(c *gin.Context) {
	hours, err := strconv.Atoi(strings.TrimSpace(c.PostForm("hours")))
	if err != nil {
		hours = -1
	}
	err = s.vendors.SetResponseTarget(c.Request.Context(), member(c).VendorID, hours)
	var ve *vendors.ValidationError
	if errors.As(err, &ve) {
		s.renderVendor(c, http.StatusBadRequest, "message", vendorPage{Title: "That target cannot be saved",
			Error: "The target " + ve.Fields[0].Message + " hours."})
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/vendor/analytics?done=target")
}
