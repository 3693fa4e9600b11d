package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/duehub/duehub/civil"
)

// The phases, in order; each has its own CPU profile and peak RSS.
var phases = []string{setupPhase, "ingest", "digest", "ceiling", "delivery", "latency", "simulation"}

const setupPhase = "setup"

// Options choose the run.
type Options struct {
	Seed  uint64
	Scale float64 // 1.0 = 1,000 vendors, 100,000 payers, 1,000,000 open invoices, 20,000 credits
	// SimScale is the scale of the simulated network (0: Scale/2, at most 0.05).
	SimScale float64
	SimDays  int // default 90
	// Rate and Duration are those of each latency attack (Rate 0: 500/s on
	// PostgreSQL, 200/s on SQLite, the rates).
	Rate     int
	Duration time.Duration
	// PassRate is the steady API load, per second, during the digest pass
	// (default 50).
	PassRate int
	// Clients is the number of concurrent API clients (and COPY streams).
	Clients int
	// Deliveries is the number of digests delivered (0: 5,000 × scale, at least 200).
	Deliveries int
	// Workers is the number of concurrent sends in the simulation.
	Workers int
	// Wipe allows wiping a database whose name does not end in _bench.
	Wipe bool
	// AnalyticsInvoices, when set, is how many invoices the largest vendor
	// has for the analytics figure: paid history over three years is
	// backfilled up to it (0: as many paid invoices as it has open).
	AnalyticsInvoices int
	// AnalyticsOnly skips every phase after the ingest but the analytics
	// figure: with AnalyticsInvoices it measures a vendor of 100,000
	// invoices without the hours a --scale 1 network takes.
	AnalyticsOnly bool
	// ProfileDir, when set, receives one CPU profile per phase.
	ProfileDir string
	// Progress receives one line per phase; nil is silent.
	Progress io.Writer

	// anySchema lets the test run on a fresh schema of the test database.
	anySchema bool
}

// The reference day of the main network, a Tuesday: the digest pass runs on
// it at 10:00 UTC, an hour into every payer's weekday window (all payers are
// on UTC: email payers by default, the SMS ones by their +1 numbers).
var refDay = civil.Date{Year: 2026, Month: time.November, Day: 17}

// simStart is the first day of the simulation, a Monday.
var simStart = civil.Date{Year: 2026, Month: time.November, Day: 16}

// The latency attacks' default rates, per database.
const (
	postgresRate = 500
	sqliteRate   = 200
)

func (o *Options) defaults(sqlite bool) {
	if o.Scale <= 0 {
		o.Scale = 1
	}
	if o.SimScale <= 0 {
		o.SimScale = min(o.Scale/2, 0.05)
	}
	if o.SimDays <= 0 {
		o.SimDays = 90
	}
	if o.Rate <= 0 {
		o.Rate = postgresRate
		if sqlite {
			o.Rate = sqliteRate
		}
	}
	if o.PassRate <= 0 {
		o.PassRate = 50
	}
	if o.Duration <= 0 {
		o.Duration = 30 * time.Second
	}
	if o.Clients <= 0 {
		o.Clients = 4
	}
	if o.Deliveries <= 0 {
		o.Deliveries = max(200, int(5000*o.Scale))
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
}

// Run wipes the hub's database, generates the network and measures every
// figure, each against its baseline in the same run. The hub may be on
// PostgreSQL or on SQLite (the embedded default); the baselines that need
// PostgreSQL (COPY) have a SQLite counterpart, named in the result.
func Run(ctx context.Context, h Hub, opt Options) (*Result, error) {
	sqlite := !h.DB.Postgres()
	opt.defaults(sqlite)
	began := time.Now()
	progress := func(format string, args ...any) {
		if opt.Progress != nil {
			fmt.Fprintf(opt.Progress, "bench: %s (%.0f s)\n", fmt.Sprintf(format, args...), time.Since(began).Seconds())
		}
	}
	if err := checkDatabase(ctx, h.DB, opt.Wipe || opt.anySchema); err != nil {
		return nil, err
	}
	if err := wipe(ctx, h.DB); err != nil {
		return nil, err
	}
	// The COPY baseline's own pool (PostgreSQL only).
	var pool *pgxpool.Pool
	if !sqlite {
		var err error
		if pool, err = pgxpool.New(ctx, h.DB.URL); err != nil {
			return nil, fmt.Errorf("bench: pool: %w", err)
		}
		defer pool.Close()
	}
	s, err := h.startServer()
	if err != nil {
		return nil, err
	}
	defer s.close()
	r := &Result{Seed: opt.Seed, Scale: opt.Scale, CPUs: runtime.NumCPU(), PeakRSSByPhase: map[string]float64{},
		LoadByPhase: map[string]float64{}}
	perPhase := resetPeakRSS()
	phase := func(name string, fn func() error) error {
		defer func() { r.LoadByPhase[name] = loadAverage() }()
		if perPhase {
			if _, ok := r.PeakRSSByPhase[setupPhase]; !ok {
				r.PeakRSSByPhase[setupPhase] = peakRSSMB()
			}
			// Hand the previous phase's garbage back to the kernel, so that
			// this phase's peak is its own.
			debug.FreeOSMemory()
			resetPeakRSS()
			defer func() { r.PeakRSSByPhase[name] = peakRSSMB() }()
		}
		if opt.ProfileDir != "" {
			f, err := os.Create(filepath.Join(opt.ProfileDir, name+".pprof"))
			if err != nil {
				return fmt.Errorf("bench: profile: %w", err)
			}
			defer f.Close()
			if err := pprof.StartCPUProfile(f); err != nil {
				return fmt.Errorf("bench: profile: %w", err)
			}
			defer pprof.StopCPUProfile()
		}
		return fn()
	}

	if err := describeDatabase(ctx, h, r); err != nil {
		return nil, err
	}
	n := newNetwork(netConfig{Seed: opt.Seed, Scale: opt.Scale, Ref: refDay, DueMin: -60, DueMax: 45,
		FirstOverdue: true, IssuedByRef: true})
	r.Vendors, r.Payers, r.Invoices, r.Credits = len(n.vendors), n.payers, n.totalInvoices(), n.credits
	progress("network of %s vendors, %s payers, %s invoices", num(r.Vendors), num(r.Payers), num(r.Invoices))
	vk, err := createVendors(ctx, h, n)
	if err != nil {
		return nil, err
	}

	err = phase("ingest", func() error {
		first, err := pushAll(ctx, s, n, vk, opt.Clients, "created")
		if err != nil {
			return err
		}
		progress("pushed %s invoices in %d batches through the API in %.1f s (%d shed with 503 and sent again)", num(first.Items), first.Batches, first.Duration.Seconds(), first.Shed)
		var cp copyReport
		if sqlite {
			cp, err = insertBaseline(ctx, h.DB.SQL, n, vk)
		} else {
			cp, err = copyBaseline(ctx, pool, h.DB.SQL, n, vk, opt.Clients)
		}
		if err != nil {
			return err
		}
		if cp.Rows != int64(first.Items) {
			return fmt.Errorf("bench: the baseline wrote %d rows, the API %d", cp.Rows, first.Items)
		}
		progress("%s the same rows in %.1f s", map[bool]string{false: "copied", true: "inserted"}[sqlite], cp.Duration.Seconds())
		if _, err := h.DB.SQL.ExecContext(ctx, "DROP TABLE IF EXISTS "+copyTable); err != nil {
			return fmt.Errorf("bench: drop scratch table: %w", err)
		}
		again, err := pushAll(ctx, s, n, vk, opt.Clients, "unchanged")
		if err != nil {
			return err
		}
		progress("re-pushed them unchanged in %.1f s (%d shed with 503 and sent again)", again.Duration.Seconds(), again.Shed)
		r.IngestBatches, r.IngestClients = first.Batches, opt.Clients
		r.IngestAPISeconds, r.IngestCopySeconds, r.RepushSeconds = first.Duration.Seconds(), cp.Duration.Seconds(), again.Duration.Seconds()
		r.IngestAPIPerSec = float64(first.Items) / first.Duration.Seconds()
		r.IngestCopyPerSec = float64(cp.Rows) / cp.Duration.Seconds()
		r.RepushPerSec = float64(again.Items) / again.Duration.Seconds()
		r.IngestRatio = ratio(r.IngestAPIPerSec, r.IngestCopyPerSec)
		r.RepushSpeedup = ratio(first.Duration.Seconds(), again.Duration.Seconds())
		if err := pushCredits(ctx, h, n, vk); err != nil {
			return err
		}
		// Both sides of the next figures plan with fresh statistics, as
		// autovacuum would eventually give them (on SQLite, as the
		// optimizer's sqlite_stat1 would).
		if _, err := h.DB.SQL.ExecContext(ctx, "ANALYZE"); err != nil {
			return fmt.Errorf("bench: analyze: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	if opt.AnalyticsOnly {
		if err := phase("analytics", func() error { return measureAnalytics(ctx, h, s, vk, opt.AnalyticsInvoices, r, progress) }); err != nil {
			return nil, err
		}
		r.finish(began, perPhase)
		return r, nil
	}

	now := refDay.In(time.UTC).Add(10 * time.Hour)
	err = phase("digest", func() error {
		busy := apiGetTargeter(s, n, vk, 0)
		if err := checkTarget(ctx, busy, http.StatusOK); err != nil {
			return err
		}
		d, err := buildDigests(ctx, h, s, now, busy, opt.PassRate)
		if err != nil {
			return err
		}
		progress("built %s digests for %s payers in %.1f s; the aggregate took %.3f s; API GET at %d/s meanwhile: p99 %.1f ms",
			num(d.Sent), num(d.Considered), d.Duration.Seconds(), d.AggDuration.Seconds(), opt.PassRate, ms(d.Busy.P99))
		r.DigestPayers, r.DigestsBuilt, r.DigestSkipped, r.DigestBytes = d.Considered, d.Sent, d.Skipped, d.Bytes
		r.DigestsEmail, r.DigestsSMS = d.EmailSent, d.SMSSent
		r.DigestSeconds, r.AggregateSeconds, r.AggregateRows = d.Duration.Seconds(), d.AggDuration.Seconds(), d.AggRows
		r.DigestPerSec = float64(d.Sent) / d.Duration.Seconds()
		r.DigestRatio = ratio(d.Duration.Seconds(), d.AggDuration.Seconds())
		b := d.Busy
		r.BusyRate, r.BusyRequests, r.BusySuccess, r.BusyCodes = opt.PassRate, b.Requests, b.Success, b.Codes
		r.BusyP50Ms, r.BusyP99Ms, r.BusyMaxMs = ms(b.P50), ms(b.P99), ms(b.Max)
		return nil
	})
	if err != nil {
		return nil, err
	}

	err = phase("ceiling", func() error {
		c, err := renderCeiling(n, s, n.ceilingSpecs(r.DigestsEmail, r.DigestsSMS), now)
		if err != nil {
			return err
		}
		progress("rendered and signed the same %s digests with no database in %.2f s on %d cores", num(c.N),
			c.Duration.Seconds(), c.Workers)
		r.CeilingN, r.CeilingWorkers, r.CeilingBytes = c.N, c.Workers, c.Bytes
		r.CeilingSeconds, r.CeilingBuild = c.Duration.Seconds(), c.Build.Seconds()
		r.CeilingPerSec = float64(c.N) / c.Duration.Seconds()
		r.DigestCeilingRatio = ratio(r.DigestPerSec, r.CeilingPerSec)
		return nil
	})
	if err != nil {
		return nil, err
	}

	err = phase("delivery", func() error {
		d, err := deliver(ctx, h, s, n, now, opt.Deliveries)
		if err != nil {
			return err
		}
		progress("delivered %d digests through River in %.2f s; render+POST with no database took %.2f s, bare POSTs %.2f s",
			d.N, d.RiverWindow.Seconds(), d.RenderPost.Seconds(), d.Bare.Seconds())
		r.DeliveryN, r.DeliveryWorkers, r.DeliveryBytes = d.N, riverWorkers, d.Bytes
		r.DeliveryRiverSec, r.DeliveryTotalSec, r.DeliveryBareSec = d.RiverWindow.Seconds(), d.RiverTotal.Seconds(), d.Bare.Seconds()
		r.DeliveryRPSec = d.RenderPost.Seconds()
		r.DeliveryRiverRate = float64(d.N) / d.RiverWindow.Seconds()
		r.DeliveryBareRate = float64(d.N) / d.Bare.Seconds()
		r.DeliveryRPRate = float64(d.N) / d.RenderPost.Seconds()
		r.DeliveryRatio = ratio(r.DeliveryRiverRate, r.DeliveryBareRate)
		r.DeliveryRenderRatio = ratio(r.DeliveryRiverRate, r.DeliveryRPRate)
		return nil
	})
	if err != nil {
		return nil, err
	}

	err = phase("latency", func() error { return measureLatency(ctx, h, s, n, vk, opt, r, progress) })
	if err != nil {
		return nil, err
	}
	if err := phase("analytics", func() error { return measureAnalytics(ctx, h, s, vk, opt.AnalyticsInvoices, r, progress) }); err != nil {
		return nil, err
	}

	// Issue 16: the late-payment model, trained and scored on a generated
	// history of the main network's largest vendor (no database).
	err = phase("risk", func() error {
		rr, err := measureRisk(n, refDay)
		if err != nil {
			return err
		}
		r.RiskAUC, r.RiskBrier, r.RiskAUCBaselineHistory = round(rr.AUC, 4), round(rr.Brier, 4), round(rr.AUCHistory, 4)
		r.RiskBrierBaselineHistory, r.RiskBrierBaselineRate = round(rr.BrierHistory, 4), round(rr.BrierRate, 4)
		r.RiskCalibration, r.RiskInvoices, r.RiskTrainInvoices, r.RiskTestInvoices = rr.Calibration, rr.Invoices, rr.Train, rr.Test
		r.RiskTestLateShare, r.RiskTrainSeconds, r.RiskModel = round(rr.TestLateShare, 4), round(rr.TrainSeconds, 3), rr.Model
		progress("late-payment risk: %s invoices, trained on %s in %.2f s; held out %s: AUC %.3f, Brier %.4f (late share %.4f, base rate %.4f)",
			num(rr.Invoices), num(rr.Train), rr.TrainSeconds, num(rr.Test), rr.AUC, rr.Brier, rr.BrierHistory, rr.BrierRate)
		return nil
	})
	if err != nil {
		return nil, err
	}

	err = phase("simulation", func() error {
		if err := wipe(ctx, h.DB); err != nil {
			return err
		}
		progress("simulating %d days at scale %g", opt.SimDays, opt.SimScale)
		sim, err := simulate(ctx, h, s, netConfig{Seed: opt.Seed, Scale: opt.SimScale, Ref: simStart, DueMin: -45, DueMax: 120},
			opt.SimDays, opt.Workers, progress)
		if err != nil {
			return err
		}
		r.SimScale, r.SimDays, r.SimStart = opt.SimScale, sim.Days, sim.Start.String()
		r.SimVendors, r.SimPayers, r.SimInvoices = sim.Vendors, sim.Payers, sim.Invoices
		r.StatusQuoMessages, r.PerInvoiceMessages, r.DuehubMessages = sim.StatusQuo, sim.StatusQuoPerInvoice, sim.Digests
		r.DuehubByChannel, r.SimSendProblems, r.ReductionByVendors = sim.ByChannel, sim.SendProblems, sim.ByVendors
		r.MessageReduction = sim.reduction()
		r.ReductionPerInvoice = ratio(float64(sim.StatusQuoPerInvoice), float64(sim.Digests))
		r.Coverage, r.CoverageEligible = sim.coverage(), sim.Eligible
		r.CoverageBeforeDue = ratio(float64(sim.CoveredBefore), float64(sim.EligibleBefore))
		r.CoverageOverdue = ratio(float64(sim.CoveredOverdue), float64(sim.EligibleOverdue))
		r.CoverageOthers = ratio(float64(sim.CoveredOthers), float64(sim.EligibleOthers))
		r.MessageReduction4Plus = sim.reduction4Plus()
		r.MaxMessages7d, r.UrgentMessages = sim.MaxMessages7d, sim.Urgent
		r.SimSeconds = sim.Duration.Seconds()
		perPayerMonth := func(n int64) float64 { return float64(n) * 30 / float64(sim.Days) / float64(sim.Payers) }
		r.StatusQuoPerPayerMon, r.DuehubPerPayerMonth = perPayerMonth(sim.StatusQuo), perPayerMonth(sim.Digests)
		progress("simulation: %s digests against %s per-vendor reminders, coverage %.4f", num64(sim.Digests), num64(sim.StatusQuo), r.Coverage)
		if sim.Digests == 0 {
			return fmt.Errorf("bench: the simulation sent no digest")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	r.finish(began, perPhase)
	return r, nil
}

// finish fills the run's totals and judges its figures.
func (r *Result) finish(began time.Time, perPhase bool) {
	r.PeakRSSMB = peakRSSMB()
	if perPhase {
		for _, mb := range r.PeakRSSByPhase {
			r.PeakRSSMB = max(r.PeakRSSMB, mb)
		}
	} else {
		r.PeakRSSByPhase = nil
	}
	r.ElapsedSeconds = time.Since(began).Seconds()
	r.roundAll()
	r.judge()
}

// measureLatency attacks the single-invoice PUT and the heavy payer's inbox.
func measureLatency(ctx context.Context, h Hub, s *server, n *network, vk vendorKeys, opt Options, r *Result, progress func(string, ...any)) error {
	put := putTargeter(s, n, vk, 0)
	if err := checkPut(ctx, put); err != nil {
		return err
	}
	var heavy struct {
		PayerID  int64
		Invoices int
		Vendors  int
	}
	err := h.DB.Gorm.WithContext(ctx).Raw(`SELECT c.payer_id, count(*) AS invoices, count(DISTINCT c.vendor_id) AS vendors
		FROM customers c JOIN invoices i ON i.customer_id = c.id
		WHERE c.external_id = ? AND i.status = 'open' GROUP BY c.payer_id`, n.customer(0).ExternalID).Scan(&heavy).Error
	if err != nil || heavy.PayerID == 0 {
		return fmt.Errorf("bench: the heavy payer: %v", err)
	}
	cookie, err := inboxSession(ctx, s, heavy.PayerID, n.vendors[heavyVendors-1].Name)
	if err != nil {
		return err
	}
	pr := attack("put", put, opt.Rate, opt.Duration)
	progress("PUT at %d/s for %s: p99 %.1f ms, success %.3f", opt.Rate, opt.Duration, ms(pr.P99), pr.Success)
	inbox := vegetaGet(s.baseURL+"/portal", cookie)
	ir := attack("inbox", inbox, opt.Rate, opt.Duration)
	progress("inbox at %d/s for %s: p99 %.1f ms, success %.3f", opt.Rate, opt.Duration, ms(ir.P99), ir.Success)
	r.LatencyRate, r.LatencySeconds = opt.Rate, opt.Duration.Seconds()
	r.PutRequests, r.PutSuccess, r.PutP50Ms, r.PutP99Ms, r.PutMaxMs = pr.Requests, pr.Success, ms(pr.P50), ms(pr.P99), ms(pr.Max)
	r.InboxRequests, r.InboxSuccess, r.InboxP50Ms, r.InboxP99Ms, r.InboxMaxMs = ir.Requests, ir.Success, ms(ir.P50), ms(ir.P99), ms(ir.Max)
	r.InboxInvoices, r.InboxVendors = heavy.Invoices, heavy.Vendors
	r.PutCodes, r.InboxCodes = pr.Codes, ir.Codes
	r.Put503Share, r.Inbox503Share = pr.share503(), ir.share503()
	for _, e := range append(pr.Errors, ir.Errors...) {
		r.LatencyProblems = append(r.LatencyProblems, e)
	}
	if pr.Success == 0 || ir.Success == 0 {
		return fmt.Errorf("bench: no request succeeded under load: PUT %v, inbox %v", pr.Codes, ir.Codes)
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// roundAll keeps the printed JSON readable.
func (r *Result) roundAll() {
	for ph, mb := range r.PeakRSSByPhase {
		r.PeakRSSByPhase[ph] = round(mb, 1)
	}
	r.PutSuccess, r.InboxSuccess, r.BusySuccess = round(r.PutSuccess, 4), round(r.InboxSuccess, 4), round(r.BusySuccess, 4)
	r.Put503Share, r.Inbox503Share = round(r.Put503Share, 4), round(r.Inbox503Share, 4)
	for _, p := range []*float64{&r.IngestRatio, &r.RepushSpeedup, &r.DigestRatio, &r.DeliveryRatio, &r.PutP99Ms,
		&r.InboxP99Ms, &r.PeakRSSMB, &r.MessageReduction, &r.ReductionPerInvoice, &r.PutP50Ms, &r.PutMaxMs,
		&r.InboxP50Ms, &r.InboxMaxMs, &r.StatusQuoPerPayerMon, &r.DuehubPerPayerMonth, &r.DigestCeilingRatio,
		&r.DeliveryRenderRatio, &r.BusyP50Ms, &r.BusyP99Ms, &r.BusyMaxMs, &r.MessageReduction4Plus, &r.AnalyticsP50Ms, &r.AnalyticsP99Ms} {
		*p = round(*p, 3)
	}
	for _, p := range []*float64{&r.Coverage, &r.CoverageBeforeDue, &r.CoverageOverdue, &r.CoverageOthers} {
		*p = round(*p, 5)
	}
	for _, p := range []*float64{&r.IngestAPISeconds, &r.IngestCopySeconds, &r.RepushSeconds, &r.DigestSeconds,
		&r.AggregateSeconds, &r.DeliveryRiverSec, &r.DeliveryTotalSec, &r.DeliveryBareSec, &r.SimSeconds,
		&r.ElapsedSeconds, &r.IngestAPIPerSec, &r.IngestCopyPerSec, &r.RepushPerSec, &r.DigestPerSec,
		&r.DeliveryRiverRate, &r.DeliveryBareRate, &r.LatencySeconds, &r.CeilingSeconds, &r.CeilingPerSec,
		&r.CeilingBuild, &r.DeliveryRPSec, &r.DeliveryRPRate} {
		*p = round(*p, 3)
	}
}

// describeDatabase names the database in the result, and what its
// baselines are.
func describeDatabase(ctx context.Context, h Hub, r *Result) error {
	var version string
	if h.DB.Postgres() {
		if err := h.DB.SQL.QueryRowContext(ctx, "SHOW server_version").Scan(&version); err != nil {
			return fmt.Errorf("bench: server version: %w", err)
		}
		r.Database, r.DatabaseVersion, r.Postgres = "postgres", "PostgreSQL "+version, "PostgreSQL "+version
		r.IngestBaseline = "COPY"
		return nil
	}
	if err := h.DB.SQL.QueryRowContext(ctx, "SELECT sqlite_version()").Scan(&version); err != nil {
		return fmt.Errorf("bench: sqlite version: %w", err)
	}
	r.Database, r.DatabaseVersion = "sqlite", "SQLite "+version+" (one connection, WAL)"
	r.IngestBaseline = "multi-row INSERT, one transaction"
	r.NotApplicable = map[string]string{
		"ingest_copy": "SQLite has no COPY: ingest_ratio and ingest_copy_* are against multi-row INSERTs of the same rows " +
			"in one transaction on the hub's one connection (one writer, so one stream)",
	}
	return nil
}
