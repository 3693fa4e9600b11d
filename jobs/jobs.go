package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/webhooks"
)

// PlanArgs asks for one planning pass of the bundler.
type PlanArgs struct{}

// Kind names the job in River.
func (PlanArgs) Kind() string { return "plan_digests" }

// InsertOpts keeps at most one planning pass queued at a time.
func (PlanArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: 30 * time.Second}}
}

// SendArgs asks to send one digest ledger row.
type SendArgs struct {
	DigestID int64 `json:"digest_id"`
}

// Kind names the job in River.
func (SendArgs) Kind() string { return "send_digest" }

// InsertOpts makes the job unique by its row while it is not finished (see
// sendStates), and gives it days of retries: the row stays pending meanwhile.
func (SendArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 25, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: sendStates}}
}

// Config is what the job runner needs.
type Config struct {
	Runner *bundler.Runner
	Log    *slog.Logger
	// PlanEvery is the planning period (default one minute).
	PlanEvery time.Duration
	// Workers is how many email sends run at once (default 10), and how
	// many webhook deliveries; SMSWorkers how many SMS sends (default
	// Workers), in a queue of their own.
	Workers    int
	SMSWorkers int
	// RescueEvery is the period of the pass that offers rows abandoned
	// mid-send again (default DefaultRescueEvery).
	RescueEvery time.Duration
	// Webhooks, when set, delivers vendors' webhooks; WebhooksEvery is the
	// period of the pass that fans events out and enqueues due deliveries
	// (default 5 seconds).
	Webhooks      *webhooks.Dispatcher
	WebhooksEvery time.Duration
	// Team, when set, emails vendors' teams about new threads and their
	// daily summary; TeamEvery is the period of its pass (default one minute).
	Team      *TeamMail
	TeamEvery time.Duration
}

// Client is a started River client, whatever its driver.
type Client interface {
	Stop(ctx context.Context) error
}

// Start starts a River client with the planner as a periodic job and the
// send worker. River's tables must be migrated (Migrate).
func Start[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], cfg Config) (Client, error) {
	if cfg.PlanEvery <= 0 {
		cfg.PlanEvery = time.Minute
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 10
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &planWorker[TTx]{runner: cfg.Runner, log: cfg.Log})
	river.AddWorker(workers, &sendWorker{runner: cfg.Runner, log: cfg.Log})
	rc := &river.Config{
		Logger:  cfg.Log,
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		Workers: workers,
		PeriodicJobs: []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(cfg.PlanEvery),
			func() (river.JobArgs, *river.InsertOpts) { return PlanArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true})},
		// River's default 100 ms between fetches caps a client at about 100
		// jobs a second, whatever the workers: the delivery bench measured
		// exactly that (BENCHMARKS.md).
		FetchCooldown: 5 * time.Millisecond,
	}
	addDelivery[TTx](cfg, workers, rc)
	addWebhooks[TTx](cfg, workers, rc)
	addTeamMail(cfg, workers, rc)
	client, err := river.NewClient(driver, rc)
	if err != nil {
		return nil, fmt.Errorf("jobs: river client: %w", err)
	}
	if err := client.Start(ctx); err != nil {
		return nil, fmt.Errorf("jobs: start river: %w", err)
	}
	return client, nil
}

// Migrate brings River's own tables up to date; with checkOnly it only
// reports an error when they are behind.
func Migrate[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], checkOnly bool) error {
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		return fmt.Errorf("jobs: river migrator: %w", err)
	}
	if checkOnly {
		res, err := m.Validate(ctx)
		if err != nil {
			return fmt.Errorf("jobs: check river schema: %w", err)
		}
		if !res.OK {
			return fmt.Errorf("jobs: River's tables are behind (%v): run `duehub migrate`", res.Messages)
		}
		return nil
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: migrate river: %w", err)
	}
	return nil
}

// planWorker plans digests, then enqueues a send job for every pending row
// (including rows a dead process left behind).
type planWorker[TTx any] struct {
	river.WorkerDefaults[PlanArgs]
	runner *bundler.Runner
	log    *slog.Logger
}

// Timeout lets a pass over many payers outlive a send's timeout.
func (w *planWorker[TTx]) Timeout(*river.Job[PlanArgs]) time.Duration { return passTimeout }

func (w *planWorker[TTx]) Work(ctx context.Context, job *river.Job[PlanArgs]) error {
	rep, err := w.runner.Plan(ctx)
	if err != nil {
		return err
	}
	pending, err := w.runner.PendingEntries(ctx)
	if err != nil {
		return err
	}
	client := river.ClientFromContext[TTx](ctx)
	if len(pending) > 0 {
		if _, err := client.InsertMany(ctx, sendParams(pending)); err != nil {
			return fmt.Errorf("jobs: enqueue sends: %w", err)
		}
	}
	w.log.Info("digests planned", slog.Int("considered", rep.Considered), slog.Int("reserved", rep.Reserved),
		slog.Int("pending", len(pending)))
	return nil
}

// sendWorker sends one digest. Permanent provider errors end the job at
// once; a Retry-After is honoured; other errors retry with River's
// exponential backoff with jitter.
type sendWorker struct {
	river.WorkerDefaults[SendArgs]
	runner *bundler.Runner
	log    *slog.Logger
}

func (w *sendWorker) Work(ctx context.Context, job *river.Job[SendArgs]) error {
	outcome, err := w.runner.Send(ctx, job.Args.DigestID)
	if err == nil {
		return nil
	}
	if outcome == bundler.OutcomeFailed || notify.IsPermanent(err) {
		return river.JobCancel(err)
	}
	if d, ok := notify.RetryAfter(err); ok && d > 0 {
		// Never parked beyond the slot: the ledger expires it then.
		return river.JobSnooze(w.runner.ParkFor(ctx, job.Args.DigestID, d))
	}
	var ne *notify.Error
	if errors.As(err, &ne) {
		w.log.Warn("digest send will be retried", slog.Int64("digest", job.Args.DigestID), slog.Any("err", err))
	}
	return err
}
