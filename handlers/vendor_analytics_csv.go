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

type csvSet struct{ Name, Label string }

var csvSets = []csvSet{
	{"summary", "DSO, ADD, CEI"}, {"aging", "Aging"}, {"late_payments", "Late payments by month"},
	{"disputes", "Disputes by month"}, {"dispute_reasons", "Dispute reasons"}, {"late_reasons", "Late-payment reasons"},
	{"delinquent_customers", "Delinquent customers"}, {"response_time", "Response time by member"},
	{"invoice_accuracy", "Invoice accuracy"},
}

func (s *Server) vendorAnalyticsCSV(c *gin.Context) {
	if s.analytics == nil {
		s.vendorNotFound(c)
		return
	}
	set := c.DefaultQuery("set", "summary")
	if !validCSVSet(set) {
		s.renderVendor(c, http.StatusBadRequest, "message", vendorPage{Title: "No such export",
			Error: "set must be one of summary, aging, late_payments, disputes, dispute_reasons, late_reasons, delinquent_customers, response_time, invoice_accuracy."})
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
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="duehub-`+set+`-`+p.From.String()+`-`+p.To.String()+`.csv"`)
	c.Header("Cache-Control", "no-store")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Status(http.StatusOK)
	c.Writer.WriteString("\ufeff")
	w := csv.NewWriter(c.Writer)
	w.UseCRLF = true
	for _, rec := range csvRecords(set, analyticsOut(r)) {
		for i := range rec {
			rec[i] = csvSafe(rec[i])
		}
		if err := w.Write(rec); err != nil {
			return
		}
	}
	w.Flush()
}

func validCSVSet(name string) bool {
	for _, s := range csvSets {
		if s.Name == name {
			return true
		}
	}
	return false
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

// csvRecords is one set's header and rows, with the API's field names.
func csvRecords(set string, r analyticsResponse) [][]string {
	switch set {
	case "aging":
		out := [][]string{{"bucket", "currency", "amount", "count"}}
		for _, a := range r.Aging {
			out = append(out, []string{a.Bucket, a.Currency, csvInt(a.Amount), csvInt(a.Count)})
		}
		return out
	case "late_payments":
		out := [][]string{{"month", "currency", "paid", "paid_late", "amount_paid_late", "share_paid_late"}}
		for _, m := range r.LatePaymentsByMonth {
			out = append(out, []string{m.Month, m.Currency, csvInt(m.Paid), csvInt(m.PaidLate), csvInt(m.AmountPaidLate), ftoa(m.SharePaidLate)})
		}
		return out
	case "disputes":
		out := [][]string{{"month", "currency", "count", "disputed_amount"}}
		for _, m := range r.DisputesByMonth {
			out = append(out, []string{m.Month, m.Currency, csvInt(m.Count), csvInt(m.DisputedAmount)})
		}
		return out
	case "dispute_reasons", "late_reasons", "invoice_accuracy":
		rs := r.TopDisputeReasons
		out := [][]string{{"reason", "count"}}
		switch set {
		case "late_reasons":
			rs = r.TopLateReasons
		case "invoice_accuracy":
			rs = r.InvoiceAccuracy.ByReason
			out = [][]string{{"reason", "invoices"}, {"all", csvInt(r.InvoiceAccuracy.WithThread)}}
		}
		for _, x := range rs {
			out = append(out, []string{x.Reason, csvInt(x.Count)})
		}
		if set == "invoice_accuracy" {
			out = append(out, []string{"invoices_billed", csvInt(r.InvoiceAccuracy.Invoices)})
		}
		return out
	case "delinquent_customers":
		out := [][]string{{"customer_external_id", "name", "currency", "overdue_amount", "oldest_days_overdue", "open_disputes"}}
		for _, d := range r.TopDelinquentCustomers {
			out = append(out, []string{d.CustomerExternalID, d.Name, d.Currency, csvInt(d.OverdueAmount),
				strconv.Itoa(d.OldestDaysOverdue), csvInt(d.OpenDisputes)})
		}
		return out
	case "response_time":
		out := [][]string{{"member", "first_replies", "median_first_reply_hours", "p90_first_reply_hours", "resolutions", "open_assigned"}}
		out = append(out, []string{"team", strconv.Itoa(r.ResponseTime.FirstReply.Count), ftoa(r.ResponseTime.FirstReply.MedianHours),
			ftoa(r.ResponseTime.FirstReply.P90Hours), strconv.Itoa(r.ResponseTime.Resolution.Count), ""})
		for _, m := range r.ResponseTime.Members {
			out = append(out, []string{m.Name, strconv.Itoa(m.FirstReply.Count), ftoa(m.FirstReply.MedianHours),
				ftoa(m.FirstReply.P90Hours), strconv.Itoa(m.Resolutions), csvInt(m.OpenAssigned)})
		}
		return out
	default: // summary
		out := [][]string{{"currency", "dso_days", "add_days", "cei_percent"}}
		for i, f := range r.DSO {
			out = append(out, []string{f.Currency, ftoa(f.Value), ftoa(r.ADD[i].Value), ftoa(r.CEI[i].Value)})
		}
		return out
	}
}
