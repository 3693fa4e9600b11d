package handlers

import (
	"context"
	"strconv"
	"time"

	"github.com/duehub/duehub/analytics"
)

// Issue 12: network benchmarks beside a vendor's figures, in GET
// /v1/analytics (benchmarks), on /vendor/analytics and in its CSV. Only
// aggregates over at least analytics.MinBenchmarkVendors vendors of the
// vendor's size are given; otherwise the figure says why it has none.
// They are read as a nightly job kept them, for the standard period
// (30, 90 or 365 days) nearest the report's; before the first pass they
// are pending and the page says they are being computed.

var benchmarkLabels = map[string]string{
	"share_paid_late":                    "Invoices paid after their due date",
	"avg_days_late":                      "Days late, average of late payments",
	"at_risk_rate":                       "Still unpaid 90 days after billing (at risk)",
	"invoice_accuracy":                   "Invoices with a question or dispute",
	"first_reply_median_hours":           "First reply, median",
	"share_paid_within_7_days_of_digest": "Paid within 7 days of a digest",
}

type benchmarkJSON struct {
	Figure  string   `json:"figure"`
	Value   *float64 `json:"value"`
	Vendors int      `json:"vendors"`
	P25     *float64 `json:"p25"`
	Median  *float64 `json:"median"`
	P75     *float64 `json:"p75"`
	// Shown is false when fewer than min_vendors vendors of the size
	// class have the figure.
	Shown bool `json:"shown"`
}

type benchmarksJSON struct {
	SizeClass  *string         `json:"size_class"`
	MinVendors int             `json:"min_vendors"`
	Figures    []benchmarkJSON `json:"figures"`
	// Pending is true until the network's figures were first computed:
	// figures is empty then.
	Pending bool `json:"pending"`
	// PeriodDays, From and To are the standard period the figures are
	// over (UTC days), ComputedAt when they were computed.
	PeriodDays int        `json:"period_days"`
	From       *string    `json:"from"`
	To         *string    `json:"to"`
	ComputedAt *time.Time `json:"computed_at"`
}

func benchmarksOut(b analytics.Benchmarks) *benchmarksJSON {
	out := &benchmarksJSON{MinVendors: analytics.MinBenchmarkVendors, Figures: make([]benchmarkJSON, len(b.Figures)),
		Pending: b.Pending, PeriodDays: b.Days}
	if !b.Pending {
		from, to, at := b.From.String(), b.To.String(), b.ComputedAt
		out.From, out.To, out.ComputedAt = &from, &to, &at
	}
	if b.SizeClass != "" {
		out.SizeClass = &b.SizeClass
	}
	for i, f := range b.Figures {
		out.Figures[i] = benchmarkJSON{Figure: f.Figure, Value: f.Value, Vendors: f.Vendors, P25: f.P25, Median: f.Median, P75: f.P75,
			Shown: f.Median != nil}
	}
	return out
}

// withBenchmarks computes the report's network benchmarks into out.
func (s *Server) withBenchmarks(ctx context.Context, vendorID int64, r analytics.Report, out *analyticsResponse) error {
	b, err := s.analytics.Benchmarks(ctx, vendorID, r.Period)
	if err != nil {
		return err
	}
	out.Benchmarks = benchmarksOut(b)
	return nil
}

type benchmarkRow struct {
	Label, You, P25, Median, P75, Note string
}

// benchmarkFormat shows a benchmark value in the figure's unit.
func benchmarkFormat(figure string, v *float64) string {
	switch figure {
	case "avg_days_late":
		return days(v)
	case "first_reply_median_hours":
		return hours(v)
	}
	return pct(v)
}

func benchmarkRows(b *benchmarksJSON) []benchmarkRow {
	if b == nil {
		return nil
	}
	var out []benchmarkRow
	for _, f := range b.Figures {
		row := benchmarkRow{Label: benchmarkLabels[f.Figure], You: benchmarkFormat(f.Figure, f.Value)}
		if f.Shown {
			row.P25, row.Median, row.P75 = benchmarkFormat(f.Figure, f.P25), benchmarkFormat(f.Figure, f.Median), benchmarkFormat(f.Figure, f.P75)
		} else {
			row.P25, row.Median, row.P75 = "–", "–", "–"
			row.Note = "Not shown: fewer than " + strconv.Itoa(b.MinVendors) + " vendors of your size have this figure (" +
				strconv.Itoa(f.Vendors) + "), and no single vendor may be made out."
		}
		out = append(out, row)
	}
	return out
}
