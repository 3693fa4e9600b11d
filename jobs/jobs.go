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
	"github.com/duehub/duehub/checkout"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/risk"
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

// SendBatchArgs asks to send a batch of ledger rows of one channel that were
// never tried (bundler.Runner.SendFirstAttempts). While it waits, a planning
// pass that cuts the same batch again (the same pending rows, in id order)
// adds no duplicate job; a batch cut differently may name rows that another
// job carries too, which costs one claim that finds them taken: the ledger
// claim, not the job, is what sends each row once. A finished job never
// keeps a row from being enqueued again.
type SendBatchArgs struct {
	Channel string  `json:"channel"`
	IDs     []int64 `json:"ids"`
}

// Kind names the job in River.
func (SendBatchArgs) Kind() string { return "send_digest_batch" }

// InsertOpts: a batch job fails only when the database does (a row's
// provider error is that row's, and goes on as a per-digest retry); a few
// tries are enough, the planning pass enqueues what is left pending.
func (SendBatchArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: sendStates}}
}

// DefaultBatchSize is how many rows one SendBatchArgs job carries: small
// enough that several jobs share the send workers and that a batch's sends
// end well inside the job timeout even with a slow provider.
const DefaultBatchSize = 100

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
	// BatchSize is how many first sends one batch job carries (default
	// DefaultBatchSize). Workers and SMSWorkers still bound how many
	// messages of each channel are with the provider at once, over all
	// batches (bundler.Runner.LimitSends).
	BatchSize int
	// Webhooks, when set, delivers vendors' webhooks; WebhooksEvery is the
	// period of the pass that fans events out and enqueues due deliveries
	// (default 5 seconds).
	Webhooks      *webhooks.Dispatcher
	WebhooksEvery time.Duration
	// Team, when set, emails vendors' teams about new threads and their
	// daily summary; TeamEvery is the period of its pass (default one minute).
	Team      *TeamMail
	TeamEvery time.Duration
	// Risk, when set, retrains the vendors' late-payment models nightly
	// (issue 16).
	Risk *risk.Store
	// Weekly, when set, emails vendor admins their weekly summary (issue
	// 12); WeeklyEvery is the period of its pass (default 5 minutes).
	Weekly      *WeeklySummary
	WeeklyEvery time.Duration
	// Retention, when set with Days > 0, empties old message bodies (issue 15).
	Retention *Retention
	// Network, when set, computes the network's analytics benchmarks
	// nightly and when the hub starts (issue 12).
	Network NetworkFunc
	// Checkout, when set, applies Stripe's webhook events and settles
	// checkouts (issue 17).
	Checkout *checkout.Store
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
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	river.AddWorker(workers, &planWorker[TTx]{runner: cfg.Runner, log: cfg.Log, batchSize: cfg.BatchSize})
	river.AddWorker(workers, &sendWorker{runner: cfg.Runner, log: cfg.Log})
	river.AddWorker(workers, &sendBatchWorker[TTx]{runner: cfg.Runner, log: cfg.Log})
	// A batch job sends many messages at once: the channel's workers bound
	// the sends with its provider, over all batches, as they bound
	// per-digest jobs.
	smsSends := cfg.SMSWorkers
	if smsSends <= 0 {
		smsSends = cfg.Workers
	}
	cfg.Runner.LimitSends(notify.Email, cfg.Workers)
	cfg.Runner.LimitSends(notify.SMS, smsSends)
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
	addRisk(cfg, workers, rc)          // issue 16
	addWeeklySummary(cfg, workers, rc) // issue 12
	addRetention(cfg, workers, rc)     // issue 15
	addNetwork(cfg, workers, rc)       // issue 12
	addCheckout[TTx](cfg, workers, rc) // issue 17
	client, err := river.NewClient(driver, rc)
	if err != nil {
		return nil, fmt.Errorf("jobs: river client: %w", err)
	}
	enqueueStripeEvents(cfg, client) // issue 17
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

// planWorker plans digests, then enqueues the pending rows (including rows a
// dead process left behind): first sends in batch jobs per channel, retries
// as one job per digest, whose uniqueness keeps the provider's Retry-After.
type planWorker[TTx any] struct {
	river.WorkerDefaults[PlanArgs]
	runner    *bundler.Runner
	log       *slog.Logger
	batchSize int
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
	var first []bundler.PendingEntry
	var retries []bundler.PendingEntry
	for _, p := range pending {
		if p.Attempts == 0 {
			first = append(first, p)
		} else {
			retries = append(retries, p)
		}
	}
	params := sendParams(retries)
	for _, b := range bundler.Batches(first, w.batchSize) {
		params = append(params, river.InsertManyParams{Args: SendBatchArgs{Channel: b.Channel, IDs: b.IDs},
			InsertOpts: &river.InsertOpts{Queue: queueFor(b.Channel)}})
	}
	if len(params) > 0 {
		if _, err := river.ClientFromContext[TTx](ctx).InsertMany(ctx, params); err != nil {
			return fmt.Errorf("jobs: enqueue sends: %w", err)
		}
	}
	w.log.Info("digests planned", slog.Int("considered", rep.Considered), slog.Int("reserved", rep.Reserved),
		slog.Int("pending", len(pending)))
	return nil
}

// sendBatchWorker sends a batch of first sends. A row that fails
// transiently is back to pending when the batch returns; it gets a
// per-digest job (SendArgs) scheduled after the provider's Retry-After, so
// it is retried with the same snooze and backoff as any single send.
type sendBatchWorker[TTx any] struct {
	river.WorkerDefaults[SendBatchArgs]
	runner *bundler.Runner
	log    *slog.Logger
}

func (w *sendBatchWorker[TTx]) Work(ctx context.Context, job *river.Job[SendBatchArgs]) error {
	results, err := w.runner.SendFirstAttempts(ctx, job.Args.IDs)
	var retries []river.InsertManyParams
	now := time.Now()
	for _, res := range results {
		if res.Outcome != bundler.OutcomeRetry {
			continue
		}
		at := now.Add(time.Second)
		if d, ok := notify.RetryAfter(res.Err); ok && d > 0 {
			// Never parked beyond the slot: the ledger expires it then.
			at = now.Add(w.runner.ParkFor(ctx, res.ID, d))
		}
		w.log.Warn("digest send will be retried", slog.Int64("digest", res.ID), slog.Time("at", at), slog.Any("err", res.Err))
		retries = append(retries, river.InsertManyParams{Args: SendArgs{DigestID: res.ID},
			InsertOpts: &river.InsertOpts{ScheduledAt: at, Queue: queueFor(job.Args.Channel)}})
	}
	if len(retries) > 0 {
		// If this fails the rows are still pending: the next planning pass
		// enqueues them, only without the wait.
		if _, ierr := river.ClientFromContext[TTx](ctx).InsertMany(context.WithoutCancel(ctx), retries); ierr != nil {
			err = errors.Join(err, fmt.Errorf("jobs: enqueue retries: %w", ierr))
		}
	}
	return err
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
