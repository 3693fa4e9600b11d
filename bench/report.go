package bench

import (
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/risk"
)

// Result is what `duehub bench --json` prints. The first keys are the
// stable ones listed in DESIGN.md; the rest are the raw figures behind them.
type Result struct {
	IngestRatio      float64 `json:"ingest_ratio"`
	RepushSpeedup    float64 `json:"repush_speedup"`
	DigestRatio      float64 `json:"digest_ratio"`
	DeliveryRatio    float64 `json:"delivery_ratio"`
	PutP99Ms         float64 `json:"put_p99_ms"`
	InboxP99Ms       float64 `json:"inbox_p99_ms"`
	PeakRSSMB        float64 `json:"peak_rss_mb"`
	MessageReduction float64 `json:"message_reduction"`
	Coverage         float64 `json:"coverage"`
	// The issue 10 ratios (goals ≥ 0.5): the digest pass against the
	// rendering ceiling, River delivery against render-and-POST; and the
	// API's p99 while the digest pass runs (goal ≤ 50 ms on SQLite).
	DigestCeilingRatio  float64 `json:"digest_ceiling_ratio"`
	DeliveryRenderRatio float64 `json:"delivery_render_post_ratio"`
	BusyP99Ms           float64 `json:"api_during_pass_p99_ms"`
	// Issue 12: the analytics figures over three years for the vendor with
	// the most invoices, computed one request at a time (goal p99 ≤ 300 ms).
	AnalyticsP50Ms    float64 `json:"analytics_p50_ms"`
	AnalyticsP99Ms    float64 `json:"analytics_p99_ms"`
	AnalyticsInvoices int     `json:"analytics_invoices"`
	// The first request, which rolls up the ended months (the nightly pass
	// does it beforehand on a running hub); the median request right after
	// a payment landed in an ended month (dropping its rollup); and
	// Store.Compute in process, p50 with the rollups against the same
	// computation from the invoices alone (the reference), same run.
	AnalyticsFirstMs        float64 `json:"analytics_first_ms"`
	AnalyticsAfterPaymentMs float64 `json:"analytics_after_payment_ms"`
	AnalyticsComputeMs      float64 `json:"analytics_compute_p50_ms"`
	AnalyticsReferenceMs    float64 `json:"analytics_reference_p50_ms"`
	// Issue 16: the late-payment model on held-out history (risk.go): ROC
	// AUC and Brier score against the customer's late share so far and the
	// base rate, scored in the same run; calibration in 10 bins.
	RiskAUC                  float64    `json:"risk_auc"`
	RiskBrier                float64    `json:"risk_brier"`
	RiskBrierBaselineHistory float64    `json:"risk_brier_baseline_history"`
	RiskBrierBaselineRate    float64    `json:"risk_brier_baseline_rate"`
	RiskAUCBaselineHistory   float64    `json:"risk_auc_baseline_history"`
	RiskCalibration          []risk.Bin `json:"risk_calibration"`
	RiskInvoices             int        `json:"risk_invoices"`
	RiskTrainInvoices        int        `json:"risk_train_invoices"`
	RiskTestInvoices         int        `json:"risk_test_invoices"`
	RiskTestLateShare        float64    `json:"risk_test_late_share"`
	RiskTrainSeconds         float64    `json:"risk_train_seconds"`
	RiskModel                string     `json:"risk_model"`

	// Database is "postgres" or "sqlite"; DatabaseVersion its server or
	// library version.
	Database        string `json:"database"`
	DatabaseVersion string `json:"database_version"`
	// NotApplicable names the figures measured differently, or not at all,
	// on this database, with the reason.
	NotApplicable map[string]string `json:"not_applicable,omitempty"`

	Seed     uint64  `json:"seed"`
	Scale    float64 `json:"scale"`
	Vendors  int     `json:"vendors"`
	Payers   int     `json:"payers"`
	Invoices int     `json:"invoices"`
	Credits  int     `json:"credits"`

	IngestBatches    int     `json:"ingest_batches"`
	IngestClients    int     `json:"ingest_clients"`
	IngestAPISeconds float64 `json:"ingest_api_s"`
	IngestAPIPerSec  float64 `json:"ingest_api_per_s"`
	// IngestBaseline says what ingest_copy_* measured: COPY on PostgreSQL,
	// multi-row INSERTs in one transaction on SQLite (which has no COPY).
	IngestBaseline    string  `json:"ingest_baseline"`
	IngestCopySeconds float64 `json:"ingest_copy_s"`
	IngestCopyPerSec  float64 `json:"ingest_copy_per_s"`
	RepushSeconds     float64 `json:"repush_s"`
	RepushPerSec      float64 `json:"repush_per_s"`

	DigestPayers     int            `json:"digest_payers"`
	DigestsBuilt     int            `json:"digests_built"`
	DigestSkipped    map[string]int `json:"digest_skipped"`
	DigestBytes      int64          `json:"digest_bytes"`
	DigestSeconds    float64        `json:"digest_build_s"`
	DigestPerSec     float64        `json:"digest_build_per_s"`
	AggregateSeconds float64        `json:"digest_aggregate_s"`
	AggregateRows    int            `json:"digest_aggregate_rows"`
	DigestsEmail     int            `json:"digests_email"`
	DigestsSMS       int            `json:"digests_sms"`

	CeilingN       int     `json:"digest_ceiling_n"`
	CeilingWorkers int     `json:"digest_ceiling_workers"`
	CeilingSeconds float64 `json:"digest_ceiling_s"`
	CeilingPerSec  float64 `json:"digest_ceiling_per_s"`
	// CeilingBuild is the untimed part: building the lines from the generator.
	CeilingBuild float64 `json:"digest_ceiling_build_s"`
	CeilingBytes int64   `json:"digest_ceiling_bytes"`

	BusyRate     int            `json:"api_during_pass_rate"`
	BusyRequests uint64         `json:"api_during_pass_requests"`
	BusySuccess  float64        `json:"api_during_pass_success"`
	BusyP50Ms    float64        `json:"api_during_pass_p50_ms"`
	BusyMaxMs    float64        `json:"api_during_pass_max_ms"`
	BusyCodes    map[string]int `json:"api_during_pass_codes,omitempty"`

	DeliveryN         int     `json:"delivery_n"`
	DeliveryWorkers   int     `json:"delivery_workers"`
	DeliveryRiverSec  float64 `json:"delivery_river_s"`
	DeliveryRiverRate float64 `json:"delivery_river_per_s"`
	DeliveryTotalSec  float64 `json:"delivery_river_total_s"`
	DeliveryBareSec   float64 `json:"delivery_bare_s"`
	DeliveryBareRate  float64 `json:"delivery_bare_per_s"`
	DeliveryRPSec     float64 `json:"delivery_render_post_s"`
	DeliveryRPRate    float64 `json:"delivery_render_post_per_s"`
	DeliveryBytes     int64   `json:"delivery_bytes"`

	LatencyRate    int     `json:"latency_rate"`
	LatencySeconds float64 `json:"latency_duration_s"`
	PutRequests    uint64  `json:"put_requests"`
	PutSuccess     float64 `json:"put_success"`
	PutP50Ms       float64 `json:"put_p50_ms"`
	PutMaxMs       float64 `json:"put_max_ms"`
	InboxRequests  uint64  `json:"inbox_requests"`
	InboxSuccess   float64 `json:"inbox_success"`
	InboxP50Ms     float64 `json:"inbox_p50_ms"`
	InboxMaxMs     float64 `json:"inbox_max_ms"`
	InboxInvoices  int     `json:"inbox_invoices"`
	InboxVendors   int     `json:"inbox_vendors"`
	// PutCodes and InboxCodes count the answers by HTTP status ("0" is a
	// request that got no answer); the 503 shares are the load shed.
	PutCodes        map[string]int `json:"put_codes,omitempty"`
	InboxCodes      map[string]int `json:"inbox_codes,omitempty"`
	Put503Share     float64        `json:"put_503_share"`
	Inbox503Share   float64        `json:"inbox_503_share"`
	LatencyProblems []string       `json:"latency_errors,omitempty"`

	SimScale            float64                  `json:"sim_scale"`
	SimDays             int                      `json:"sim_days"`
	SimStart            string                   `json:"sim_start"`
	SimVendors          int                      `json:"sim_vendors"`
	SimPayers           int                      `json:"sim_payers"`
	SimInvoices         int                      `json:"sim_invoices"`
	StatusQuoMessages   int64                    `json:"status_quo_messages"`
	PerInvoiceMessages  int64                    `json:"status_quo_per_invoice_messages"`
	DuehubMessages      int64                    `json:"duehub_messages"`
	DuehubByChannel     map[string]int64         `json:"duehub_messages_by_channel"`
	ReductionPerInvoice float64                  `json:"message_reduction_per_invoice"`
	ReductionByVendors  map[string]*vendorBucket `json:"message_reduction_by_vendors"`
	SimSendProblems     int64                    `json:"sim_send_problems"`
	CoverageEligible    int                      `json:"coverage_eligible"`
	CoverageBeforeDue   float64                  `json:"coverage_before_due"`
	CoverageOverdue     float64                  `json:"coverage_overdue"`
	CoverageOthers      float64                  `json:"coverage_without_heavy_payer"`
	// Issue 11: the payer's rhythm. Reduction against per-vendor reminders
	// for payers billed by 4 vendors or more; the most messages any payer
	// got on one channel in any 7 days; "due now" messages sent.
	MessageReduction4Plus float64 `json:"message_reduction_4plus"`
	MaxMessages7d         int     `json:"max_messages_7d"`
	UrgentMessages        int64   `json:"urgent_messages"`
	SimSeconds            float64 `json:"sim_s"`
	StatusQuoPerPayerMon  float64 `json:"status_quo_per_payer_month"`
	DuehubPerPayerMonth   float64 `json:"duehub_per_payer_month"`

	// PeakRSSByPhase is each phase's own peak, when the kernel lets the
	// bench reset the high-water mark between phases.
	PeakRSSByPhase map[string]float64 `json:"peak_rss_mb_by_phase,omitempty"`
	// LoadByPhase is the machine's 1-minute load average at the end of each
	// phase: above the number of CPUs, something else was running too.
	LoadByPhase map[string]float64 `json:"load_by_phase,omitempty"`

	Goals          map[string]Goal `json:"goals"`
	CPUs           int             `json:"cpus"`
	Postgres       string          `json:"postgres,omitempty"`
	ElapsedSeconds float64         `json:"elapsed_s"`
}

// Goal is one target of the issue and whether this run met it. Missing a
// goal is a finding, never a failure of the command.
type Goal struct {
	Target string `json:"target"`
	Met    bool   `json:"met"`
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func round(x float64, digits int) float64 {
	p := math.Pow10(digits)
	return math.Round(x*p) / p
}

// judge fills Goals from the figures.
func (r *Result) judge() {
	r.Goals = map[string]Goal{
		"ingest_ratio":               {"≥ 0.5", r.IngestRatio >= 0.5},
		"repush_speedup":             {"≥ 3", r.RepushSpeedup >= 3},
		"digest_ceiling_ratio":       {"≥ 0.5", r.DigestCeilingRatio >= 0.5},
		"delivery_render_post_ratio": {"≥ 0.5", r.DeliveryRenderRatio >= 0.5},
		"put_p99_ms":                 {"≤ 25", r.PutP99Ms > 0 && r.PutP99Ms <= 25},
		"inbox_p99_ms":               {"≤ 25", r.InboxP99Ms > 0 && r.InboxP99Ms <= 25},
		"peak_rss_mb":                {"≤ 300", r.PeakRSSMB > 0 && r.PeakRSSMB <= 300},
		"coverage":                   {"= 1", r.Coverage >= 1},
		"coverage_before_due":        {"= 1", r.CoverageBeforeDue >= 1},
		"coverage_overdue":           {"= 1", r.CoverageOverdue >= 1},
		"message_reduction":          {"≥ 3", r.MessageReduction >= 3},
		"message_reduction_4plus":    {"≥ 5", r.MessageReduction4Plus >= 5},
		"max_messages_7d":            {"≤ 2", r.MaxMessages7d > 0 && r.MaxMessages7d <= 2},
		"analytics_p99_ms":           {"≤ 300", r.AnalyticsP99Ms > 0 && r.AnalyticsP99Ms <= 300},
		"risk_auc":                   {"≥ 0.80", r.RiskAUC >= 0.8},
		"risk_brier": {"< both baselines", r.RiskBrier > 0 && r.RiskBrier < r.RiskBrierBaselineHistory &&
			r.RiskBrier < r.RiskBrierBaselineRate},
	}
	// The issue sets the API-during-a-pass goal for the embedded default.
	if r.Database == "sqlite" {
		r.Goals["api_during_pass_p99_ms"] = Goal{"≤ 50", r.BusyP99Ms > 0 && r.BusyP99Ms <= 50}
	}
}

// WriteTable prints the run as one table.
func (r *Result) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "duehub bench — seed %d, scale %g: %s vendors, %s payers, %s open invoices, %s credit notes\n",
		r.Seed, r.Scale, num(r.Vendors), num(r.Payers), num(r.Invoices), num(r.Credits))
	fmt.Fprintf(w, "%d CPUs, %s, %.0f s\n\n", r.CPUs, r.DatabaseVersion, r.ElapsedSeconds)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "figure\tduehub\tbaseline (same run)\tratio\tgoal\t")
	goal := func(key string) string {
		g, ok := r.Goals[key]
		if !ok {
			return "—\t"
		}
		if g.Met {
			return g.Target + "\tgoal met"
		}
		return g.Target + "\tmissed"
	}
	baseline := "rows/s COPY"
	if r.Database == "sqlite" {
		baseline = "rows/s INSERT, 1 tx"
	}
	shed := func(share float64) string {
		if share == 0 {
			return ""
		}
		return fmt.Sprintf(", %.1f%% 503", 100*share)
	}
	rows := [][]string{
		{"ingest (HTTP batch API)", rate(r.IngestAPIPerSec, "invoices/s"), rate(r.IngestCopyPerSec, baseline),
			fmt.Sprintf("%.2f", r.IngestRatio), goal("ingest_ratio")},
		{"re-push unchanged", rate(r.RepushPerSec, "invoices/s"), rate(r.IngestAPIPerSec, "invoices/s first push"),
			fmt.Sprintf("%.2f×", r.RepushSpeedup), goal("repush_speedup")},
		{"digest pass (plan+render, discard)", rate(r.DigestPerSec, "digests/s"),
			fmt.Sprintf("%s digests/s render+sign, %d cores", num(int(math.Round(r.CeilingPerSec))), r.CeilingWorkers),
			fmt.Sprintf("%.3f", r.DigestCeilingRatio), goal("digest_ceiling_ratio")},
		{"  same pass against one aggregate", fmt.Sprintf("%s digests in %.2f s", num(r.DigestsBuilt), r.DigestSeconds),
			fmt.Sprintf("aggregate %.3f s", r.AggregateSeconds), fmt.Sprintf("%.1f×", r.DigestRatio), "—\t"},
		{fmt.Sprintf("API GET @ %d/s during the pass", r.BusyRate), fmt.Sprintf("p99 %.1f ms (p50 %.1f, max %.0f)", r.BusyP99Ms, r.BusyP50Ms, r.BusyMaxMs),
			"—", "—", goal("api_during_pass_p99_ms")},
		{"delivery (River + sendgrid-go)", rate(r.DeliveryRiverRate, "digests/s"), rate(r.DeliveryRPRate, "render+POST/s, no DB"),
			fmt.Sprintf("%.2f", r.DeliveryRenderRatio), goal("delivery_render_post_ratio")},
		{"  same delivery against bare POSTs", rate(r.DeliveryRiverRate, "digests/s"), rate(r.DeliveryBareRate, "bare POSTs/s"),
			fmt.Sprintf("%.2f", r.DeliveryRatio), "—\t"},
		{fmt.Sprintf("PUT invoice @ %d/s", r.LatencyRate), fmt.Sprintf("p99 %.1f ms (p50 %.1f%s)", r.PutP99Ms, r.PutP50Ms, shed(r.Put503Share)), "—", "—", goal("put_p99_ms")},
		{fmt.Sprintf("portal inbox @ %d/s (%d inv, %d vendors)", r.LatencyRate, r.InboxInvoices, r.InboxVendors),
			fmt.Sprintf("p99 %.1f ms (p50 %.1f%s)", r.InboxP99Ms, r.InboxP50Ms, shed(r.Inbox503Share)), "—", "—", goal("inbox_p99_ms")},
		{fmt.Sprintf("analytics, largest vendor (%s inv)", num(r.AnalyticsInvoices)),
			fmt.Sprintf("p99 %.1f ms (p50 %.1f)", r.AnalyticsP99Ms, r.AnalyticsP50Ms), "—", "—", goal("analytics_p99_ms")},
		{"  computed in process, p50", fmt.Sprintf("%.1f ms with rollups", r.AnalyticsComputeMs),
			fmt.Sprintf("%.1f ms from the invoices alone", r.AnalyticsReferenceMs),
			fmt.Sprintf("%.1f× faster", ratio(r.AnalyticsReferenceMs, r.AnalyticsComputeMs)), "—\t"},
		{fmt.Sprintf("late-payment risk, held out (%s inv)", num(r.RiskTestInvoices)), fmt.Sprintf("AUC %.3f", r.RiskAUC),
			fmt.Sprintf("AUC %.3f customer's late share", r.RiskAUCBaselineHistory), "—", goal("risk_auc")},
		{"  Brier score", fmt.Sprintf("%.4f", r.RiskBrier),
			fmt.Sprintf("%.4f late share, %.4f base rate", r.RiskBrierBaselineHistory, r.RiskBrierBaselineRate), "—", goal("risk_brier")},
		{"peak RSS (whole process)", fmt.Sprintf("%.0f MB", r.PeakRSSMB), "—", "—", goal("peak_rss_mb")},
		{fmt.Sprintf("messages, %d-day simulation", r.SimDays), num64(r.DuehubMessages) + " digests",
			num64(r.StatusQuoMessages) + " per-vendor reminders", fmt.Sprintf("%.1f× fewer", r.MessageReduction), "—\t"},
		{"coverage (before due and overdue)", fmt.Sprintf("%.4f of %s invoices", r.Coverage, num(r.CoverageEligible)),
			"—", "—", goal("coverage")},
		{"  payers billed by 4+ vendors", "", "", fmt.Sprintf("%.1f× fewer", r.MessageReduction4Plus), goal("message_reduction_4plus")},
		{"most messages to a payer in 7 days", fmt.Sprintf("%d (%d due-now)", r.MaxMessages7d, r.UrgentMessages), "—", "—", goal("max_messages_7d")},
	}
	for _, row := range rows {
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nsimulation (scale %g: %s payers, %s invoices from %s): %.2f messages per payer per 30 days with duehub, %.2f per vendor, %.2f per invoice (%.1f× fewer)\n",
		r.SimScale, num(r.SimPayers), num(r.SimInvoices), r.SimStart, r.DuehubPerPayerMonth, r.StatusQuoPerPayerMon,
		float64(r.PerInvoiceMessages)*30/float64(max(1, r.SimDays))/float64(max(1, r.SimPayers)), r.ReductionPerInvoice)
	fmt.Fprintf(w, "coverage: before due %.4f, overdue %.4f; %.4f without the heavy payer (%d invoices, %d listed per digest)\n",
		r.CoverageBeforeDue, r.CoverageOverdue, r.CoverageOthers, heavyVendors*heavyInvoices, bundler.MaxLines)
	buckets := make([]string, 0, len(r.ReductionByVendors))
	for name := range r.ReductionByVendors {
		buckets = append(buckets, name)
	}
	slices.Sort(buckets)
	for _, name := range buckets {
		b := r.ReductionByVendors[name]
		fmt.Fprintf(w, "  payers billed by %-11s %6s payers: %s per-vendor reminders, %s digests (%.1f× fewer)\n",
			name+":", num(b.Payers), num64(b.StatusQuo), num64(b.Duehub), b.Reduction)
	}
	if len(r.PeakRSSByPhase) > 0 {
		var parts []string
		for _, ph := range phases {
			if mb, ok := r.PeakRSSByPhase[ph]; ok {
				parts = append(parts, fmt.Sprintf("%s %.0f MB", ph, mb))
			}
		}
		fmt.Fprintf(w, "peak RSS by phase: %s\n", strings.Join(parts, ", "))
	}
	if len(r.LoadByPhase) > 0 {
		var parts []string
		for _, ph := range phases {
			if l, ok := r.LoadByPhase[ph]; ok {
				parts = append(parts, fmt.Sprintf("%s %.1f", ph, l))
			}
		}
		fmt.Fprintf(w, "load average after each phase (%d CPUs): %s\n", r.CPUs, strings.Join(parts, ", "))
	}
	fmt.Fprintf(w, "delivery: %d digests, River send window %.2f s (%.2f s from River's start), render+POST %.2f s, bare %.2f s\n",
		r.DeliveryN, r.DeliveryRiverSec, r.DeliveryTotalSec, r.DeliveryRPSec, r.DeliveryBareSec)
	fmt.Fprintf(w, "digest pass: %s email + %s SMS digests in %.2f s; ceiling %.2f s on %d cores (+%.2f s untimed to build them)\n",
		num(r.DigestsEmail), num(r.DigestsSMS), r.DigestSeconds, r.CeilingSeconds, r.CeilingWorkers, r.CeilingBuild)
	for _, codes := range []struct {
		name string
		m    map[string]int
	}{{"PUT", r.PutCodes}, {"inbox", r.InboxCodes}, {"API during the pass", r.BusyCodes}} {
		if len(codes.m) > 1 || (len(codes.m) == 1 && codes.m["200"] == 0 && codes.m["201"] == 0) {
			fmt.Fprintf(w, "%s answers by status: %s\n", codes.name, statusCounts(codes.m))
		}
	}
	keys := make([]string, 0, len(r.NotApplicable))
	for k := range r.NotApplicable {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "%s: %s\n", k, r.NotApplicable[k])
	}
	if len(r.LatencyProblems) > 0 {
		fmt.Fprintf(w, "latency errors: %s\n", strings.Join(r.LatencyProblems, "; "))
	}
	return nil
}

// statusCounts writes {"200": 10, "503": 2} as "200 ×10, 503 ×2".
func statusCounts(m map[string]int) string {
	codes := make([]string, 0, len(m))
	for c := range m {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = fmt.Sprintf("%s ×%d", c, m[c])
	}
	return strings.Join(parts, ", ")
}

func rate(x float64, unit string) string { return num(int(math.Round(x))) + " " + unit }

func num64(n int64) string { return num(int(n)) }

// num writes n with thousands separators.
func num(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// loadAverage reads the 1-minute load average.
func loadAverage() float64 {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, _ := strconv.ParseFloat(strings.Fields(string(raw) + " 0")[0], 64)
	return f
}

// resetPeakRSS starts a new high-water mark of the resident set (Linux 4.0+:
// writing 5 to clear_refs resets VmHWM), so that each phase has its own
// peak. It reports whether it could.
func resetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// peakRSSMB reads the process's high-water resident set (VmHWM).
func peakRSSMB() float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				return 0
			}
			return kb / 1024
		}
	}
	return 0
}
