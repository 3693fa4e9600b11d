package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/duehub/duehub/risk"
)

// RiskArgs asks to retrain every vendor's late-payment model and rescore
// its open invoices (issue 16).
type RiskArgs struct{}

// Kind names the job in River.
func (RiskArgs) Kind() string { return "retrain_risk" }

// RiskHour is the UTC hour of the nightly retraining.
const RiskHour = 2

// nightly is River's schedule for once a day at RiskHour UTC.
type nightly struct{}

func (nightly) Next(t time.Time) time.Time {
	t = t.UTC()
	next := time.Date(t.Year(), t.Month(), t.Day(), RiskHour, 0, 0, 0, time.UTC)
	if !next.After(t) {
		next = next.AddDate(0, 0, 1)
	}
	return next
}

type riskWorker struct {
	river.WorkerDefaults[RiskArgs]
	store *risk.Store
	log   *slog.Logger
}

// Timeout: training every vendor may take minutes on a large hub.
func (w *riskWorker) Timeout(*river.Job[RiskArgs]) time.Duration { return time.Hour }

func (w *riskWorker) Work(ctx context.Context, job *river.Job[RiskArgs]) error {
	began := time.Now()
	n, err := w.store.RetrainAll(ctx)
	w.log.Info("risk models retrained", slog.Int("vendors", n), slog.Duration("took", time.Since(began)), slog.Any("err", err))
	return err
}

// addRisk registers the nightly retraining, also run when the hub starts
// so that a new hub has scores before its first night.
func addRisk(cfg Config, workers *river.Workers, rc *river.Config) {
	if cfg.Risk == nil {
		return
	}
	river.AddWorker(workers, &riskWorker{store: cfg.Risk, log: cfg.Log})
	rc.PeriodicJobs = append(rc.PeriodicJobs, river.NewPeriodicJob(nightly{},
		func() (river.JobArgs, *river.InsertOpts) {
			return RiskArgs{}, &river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Hour}}
		},
		&river.PeriodicJobOpts{RunOnStart: true}))
}
