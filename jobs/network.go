package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// NetworkArgs asks to compute the network's benchmarks (issue 12) of every
// standard period kept longer than NetworkMaxAge, or never.
type NetworkArgs struct{}

// Kind names the job in River.
func (NetworkArgs) Kind() string { return "network_benchmarks" }

// NetworkHour is the UTC hour of the nightly pass, before the risk
// retraining (RiskHour), so that the two scans do not share the night's
// first hour.
const NetworkHour = 1

// NetworkMaxAge is how old kept benchmarks may be before a pass computes
// them again: the nightly pass replaces the previous night's, and the pass
// a starting hub runs computes only what is missing or left from a night
// the hub was down.
const NetworkMaxAge = 12 * time.Hour

// NetworkFunc computes the benchmarks of the standard periods kept longer
// than maxAge (or never) and returns how many periods it computed: the
// analytics store's RefreshNetwork, as cmd wires it.
type NetworkFunc func(ctx context.Context, maxAge time.Duration) (periods int, err error)

// atHour is River's schedule for once a day at hour UTC.
type atHour int

func (h atHour) Next(t time.Time) time.Time {
	t = t.UTC()
	next := time.Date(t.Year(), t.Month(), t.Day(), int(h), 0, 0, 0, time.UTC)
	if !next.After(t) {
		next = next.AddDate(0, 0, 1)
	}
	return next
}

type networkWorker struct {
	river.WorkerDefaults[NetworkArgs]
	refresh NetworkFunc
	log     *slog.Logger
}

// Timeout: the scan covers every vendor's invoices of the last year.
func (w *networkWorker) Timeout(*river.Job[NetworkArgs]) time.Duration { return 30 * time.Minute }

func (w *networkWorker) Work(ctx context.Context, job *river.Job[NetworkArgs]) error {
	began := time.Now()
	n, err := w.refresh(ctx, NetworkMaxAge)
	if n > 0 || err != nil {
		w.log.Info("network benchmarks computed", slog.Int("periods", n), slog.Duration("took", time.Since(began)), slog.Any("err", err))
	}
	return err
}

// addNetwork registers the nightly pass of the network's benchmarks, also
// run when the hub starts so that a new hub has them without waiting for
// the night; no analytics request computes them.
func addNetwork(cfg Config, workers *river.Workers, rc *river.Config) {
	if cfg.Network == nil {
		return
	}
	river.AddWorker(workers, &networkWorker{refresh: cfg.Network, log: cfg.Log})
	rc.PeriodicJobs = append(rc.PeriodicJobs, river.NewPeriodicJob(atHour(NetworkHour),
		func() (river.JobArgs, *river.InsertOpts) {
			return NetworkArgs{}, &river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Hour}}
		},
		&river.PeriodicJobOpts{RunOnStart: true}))
}
