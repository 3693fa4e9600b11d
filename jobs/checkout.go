package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/duehub/duehub/checkout"
)

// StripeEventArgs asks to apply one stored Stripe webhook event (issue 17):
// one job per event, unique by its row while not finished. The row, not the
// job, makes it apply once (checkout.Store.Process).
type StripeEventArgs struct {
	EventRowID int64 `json:"event_row_id"`
}

// Kind names the job in River.
func (StripeEventArgs) Kind() string { return "stripe_event" }

// InsertOpts: unique by row; Stripe calls that fail are retried with
// River's backoff for about a day.
func (StripeEventArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 20, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// StripePassArgs asks for one pass that enqueues stored events left
// unprocessed (a process died between storing and enqueueing) and settles
// checkouts whose transfers, reversals or refunds are still to be made.
type StripePassArgs struct{}

// Kind names the job in River.
func (StripePassArgs) Kind() string { return "stripe_pass" }

// stripePassEvery is the period of the pass.
const stripePassEvery = 30 * time.Second

type stripeEventWorker struct {
	river.WorkerDefaults[StripeEventArgs]
	store *checkout.Store
}

func (w *stripeEventWorker) Work(ctx context.Context, job *river.Job[StripeEventArgs]) error {
	return w.store.Process(ctx, job.Args.EventRowID)
}

type stripePassWorker[TTx any] struct {
	river.WorkerDefaults[StripePassArgs]
	store *checkout.Store
	log   *slog.Logger
}

func (w *stripePassWorker[TTx]) Work(ctx context.Context, job *river.Job[StripePassArgs]) error {
	ids, err := w.store.PendingEvents(ctx, passBatch)
	if err != nil {
		return err
	}
	if len(ids) > 0 {
		params := make([]river.InsertManyParams, len(ids))
		for i, id := range ids {
			params[i] = river.InsertManyParams{Args: StripeEventArgs{EventRowID: id}}
		}
		if _, err := river.ClientFromContext[TTx](ctx).InsertMany(ctx, params); err != nil {
			return fmt.Errorf("jobs: enqueue Stripe events: %w", err)
		}
	}
	open, err := w.store.Unsettled(ctx, passBatch)
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range open {
		if err := w.store.Settle(ctx, id); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		w.log.Warn("checkouts still to settle", slog.Int("failed", len(errs)), slog.Any("err", errors.Join(errs...)))
	}
	return nil
}

// addCheckout registers the Stripe workers and the periodic pass, and
// makes the checkout store enqueue each event it stores (issue 17).
func addCheckout[TTx any](cfg Config, workers *river.Workers, rc *river.Config) {
	if cfg.Checkout == nil {
		return
	}
	river.AddWorker(workers, &stripeEventWorker{store: cfg.Checkout})
	river.AddWorker(workers, &stripePassWorker[TTx]{store: cfg.Checkout, log: cfg.Log})
	rc.PeriodicJobs = append(rc.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(stripePassEvery),
		func() (river.JobArgs, *river.InsertOpts) {
			return StripePassArgs{}, &river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: stripePassEvery}}
		}, &river.PeriodicJobOpts{RunOnStart: true}))
}

// enqueueStripeEvents makes the store enqueue each new event on client.
func enqueueStripeEvents[TTx any](cfg Config, client *river.Client[TTx]) {
	if cfg.Checkout == nil {
		return
	}
	cfg.Checkout.OnEvent(func(ctx context.Context, id int64) error {
		_, err := client.Insert(ctx, StripeEventArgs{EventRowID: id}, nil)
		return err
	})
}
