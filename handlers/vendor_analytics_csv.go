package handlers

import (
	"encoding/csv"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/analytics"
	"github.com/duehub/duehub/vendors"
)

// GET /vendor/analytics.csv?set=…&from=&to=&currency=: one figure set of
// the analytics page as CSV (RFC 4180: CRLF, quoted as needed), UTF-8 with
// a byte-order mark so that spreadsheets read it as UTF-8. Amounts are in
// minor units, as the API gives them. A cell starting with = + - @ gets a
// leading ' so that a customer's name cannot become a spreadsheet formula.

// csvSet is one downloadable figure set: its name in ?set=, its label on
// the page, and its rows (header first) from the API's response. A new set
// or a new column is a change to this table and its function only.
type csvSet struct {
	Name, Label string
	Records     func(r analyticsResponse) [][]string
}

var csvSets = []csvSet{
	{"summary", "DSO, ADD, CEI", csvSummary}, {"aging", "Aging", csvAging}, {"late_payments", "Late payments by month", csvLatePayments},
	{"disputes", "Disputes by month", csvDisputes}, {"dispute_reasons", "Dispute reasons", csvDisputeReasons},
	{"late_reasons", "Late-payment reasons", csvLateReasons}, {"delinquent_customers", "Delinquent customers", csvDelinquent},
	{"response_time", "Response time by member", csvResponseTime}, {"invoice_accuracy", "Invoice accuracy", csvAccuracy},
	{"cohorts", "Billing cohorts and at-risk rate", csvCohorts}, {"reminder_effect", "Reminder effect", csvReminderEffect},
	{"benchmarks", "Network benchmarks", csvBenchmarks},
}

func csvSetNames() string {
	names := make([]string, len(csvSets))
	for i, s := range csvSets {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}

func (s *Server) vendorAnalyticsCSV(c *gin.Context) {
	if s.analytics == nil {
		s.vendorNotFound(c)
		return
	}
	set := c.DefaultQuery("set", "summary")
	cs, ok := findCSVSet(set)
	if !ok {
		s.renderVendor(c, http.StatusBadRequest, "message", vendorPage{Title: "No such export",
			Error: "set must be one of " + csvSetNames() + "."})
		return
	}
	today, err := s.analytics.Today(c.Request.Context(), member(c).VendorID)
	if err != nil {
		s.fail(c, err)
		return
	}
	from, to, _ := vendorPeriod(c, today)
	p, err := analytics.ParsePeriod(from, to, c.Query("currency"), today)
	var ve *vendors.ValidationError
	if errors.As(err, &ve) {
		s.renderVendor(c, http.StatusBadRequest, "message", vendorPage{Title: "That period cannot be exported",
			Error: ve.Fields[0].Field + " " + ve.Fields[0].Message + "."})
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.analytics.Compute(c.Request.Context(), member(c).VendorID, p)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := analyticsOut(r)
	if set == "benchmarks" {
		if err := s.withBenchmarks(c.Request.Context(), member(c).VendorID, r, &out); err != nil {
			s.fail(c, err)
			return
		}
	}
	// Issue 16: the late-payment risk column.
	recs, err := s.addRiskColumn(c.Request.Context(), member(c).VendorID, set, cs.Records(out))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="duehub-`+set+`-`+p.From.String()+`-`+p.To.String()+`.csv"`)
	c.Header("Cache-Control", "no-store")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Status(http.StatusOK)
	c.Writer.WriteString("\ufeff")
	w := csv.NewWriter(c.Writer)
	w.UseCRLF = true
	for _, rec := range recs {
		for i := range rec {
			rec[i] = csvSafe(rec[i])
		}
		if err := w.Write(rec); err != nil {
			return
		}
	}
	w.Flush()
}

func findCSVSet(name string) (csvSet, bool) {
	for _, s := range csvSets {
		if s.Name == name {
			return s, true
		}
	}
	return csvSet{}, false
}

func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return "'" + s
		}
	}
	return s
}

func csvInt(n int64) string { return strconv.FormatInt(n, 10) }

func ftoa(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', 1, 64)
}

func csvAging(r analyticsResponse) [][]string {
	out := [][]string{{"bucket", "currency", "amount", "count"}}
	for _, a := range r.Aging {
		out = append(out, []string{a.Bucket, a.Currency, csvInt(a.Amount), csvInt(a.Count)})
	}
	return out
}

func csvLatePayments(r analyticsResponse) [][]string {
	out := [][]string{{"month", "currency", "paid", "paid_late", "amount_paid_late", "share_paid_late"}}
	for _, m := range r.LatePaymentsByMonth {
		out = append(out, []string{m.Month, m.Currency, csvInt(m.Paid), csvInt(m.PaidLate), csvInt(m.AmountPaidLate), ftoa(m.SharePaidLate)})
	}
	return out
}

func csvDisputes(r analyticsResponse) [][]string {
	out := [][]string{{"month", "currency", "count", "disputed_amount"}}
	for _, m := range r.DisputesByMonth {
		out = append(out, []string{m.Month, m.Currency, csvInt(m.Count), csvInt(m.DisputedAmount)})
	}
	return out
}

func csvReasons(header string, rs []reasonJSON) [][]string {
	out := [][]string{{"reason", header}}
	for _, x := range rs {
		out = append(out, []string{x.Reason, csvInt(x.Count)})
	}
	return out
}

func csvDisputeReasons(r analyticsResponse) [][]string {
	return csvReasons("count", r.TopDisputeReasons)
}
func csvLateReasons(r analyticsResponse) [][]string { return csvReasons("count", r.TopLateReasons) }

func csvAccuracy(r analyticsResponse) [][]string {
	out := [][]string{{"reason", "invoices"}, {"all", csvInt(r.InvoiceAccuracy.WithThread)}}
	out = append(out, csvReasons("", r.InvoiceAccuracy.ByReason)[1:]...)
	return append(out, []string{"invoices_billed", csvInt(r.InvoiceAccuracy.Invoices)})
}

func csvDelinquent(r analyticsResponse) [][]string {
	out := [][]string{{"customer_external_id", "name", "currency", "overdue_amount", "oldest_days_overdue", "open_disputes"}}
	for _, d := range r.TopDelinquentCustomers {
		out = append(out, []string{d.CustomerExternalID, d.Name, d.Currency, csvInt(d.OverdueAmount),
			strconv.Itoa(d.OldestDaysOverdue), csvInt(d.OpenDisputes)})
	}
	return out
}

func csvResponseTime(r analyticsResponse) [][]string {
	out := [][]string{{"member", "first_replies", "median_first_reply_hours", "p90_first_reply_hours", "resolutions", "open_assigned"}}
	out = append(out, []string{"team", strconv.Itoa(r.ResponseTime.FirstReply.Count), ftoa(r.ResponseTime.FirstReply.MedianHours),
		ftoa(r.ResponseTime.FirstReply.P90Hours), strconv.Itoa(r.ResponseTime.Resolution.Count), ""})
	for _, m := range r.ResponseTime.Members {
		out = append(out, []string{m.Name, strconv.Itoa(m.FirstReply.Count), ftoa(m.FirstReply.MedianHours),
			ftoa(m.FirstReply.P90Hours), strconv.Itoa(m.Resolutions), csvInt(m.OpenAssigned)})
	}
	return out
}

func csvSummary(r analyticsResponse) [][]string {
	out := [][]string{{"currency", "dso_days", "add_days", "cei_percent"}}
	for i, f := range r.DSO {
		out = append(out, []string{f.Currency, ftoa(f.Value), ftoa(r.ADD[i].Value), ftoa(r.CEI[i].Value)})
	}
	return out
}

func csvCohorts(r analyticsResponse) [][]string {
	out := [][]string{{"month", "invoices", "paid_within_30", "paid_within_60", "paid_within_90",
		"share_paid_within_30", "share_paid_within_60", "share_paid_within_90", "at_risk_rate"}}
	for _, c := range r.Cohorts {
		out = append(out, []string{c.Month, csvInt(c.Invoices), csvInt(c.PaidWithin30), csvInt(c.PaidWithin60), csvInt(c.PaidWithin90),
			ftoa(c.SharePaidWithin30), ftoa(c.SharePaidWithin60), ftoa(c.SharePaidWithin90), ftoa(c.AtRiskRate)})
	}
	return out
}

func csvReminderEffect(r analyticsResponse) [][]string {
	e := r.ReminderEffect
	per := ""
	if e.PayClicksPerDigest != nil {
		per = strconv.FormatFloat(*e.PayClicksPerDigest, 'f', 2, 64)
	}
	return [][]string{
		{"digests", "invoices_carried", "paid_within_7_days", "share_paid_within_7_days", "pay_clicks", "pay_clicks_per_digest"},
		{csvInt(e.Digests), csvInt(e.InvoicesCarried), csvInt(e.PaidWithin7Days), ftoa(e.SharePaidWithin7Days), csvInt(e.PayClicks), per},
	}
}

func csvBenchmarks(r analyticsResponse) [][]string {
	out := [][]string{{"figure", "value", "size_class", "vendors", "p25", "median", "p75"}}
	if r.Benchmarks == nil {
		return out
	}
	class := ""
	if r.Benchmarks.SizeClass != nil {
		class = *r.Benchmarks.SizeClass
	}
	for _, f := range r.Benchmarks.Figures {
		out = append(out, []string{f.Figure, ftoa(f.Value), class, strconv.Itoa(f.Vendors), ftoa(f.P25), ftoa(f.Median), ftoa(f.P75)})
	}
	return out
}
