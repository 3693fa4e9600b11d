package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/duehub/duehub/vendors"
	"github.com/duehub/duehub/webhooks"
)

// QueueWebhooks runs webhook deliveries apart from digest sends, so that
// slow receivers never hold up digests.
const QueueWebhooks = "webhooks"

// WebhookPassArgs asks for one webhook pass: fan new events out into
// delivery rows, enqueue the deliveries that are due (including those a dead
// process left behind), and retry failed notices of disabled endpoints.
type WebhookPassArgs struct{}

// Kind names the job in River.
func (WebhookPassArgs) Kind() string { return "webhooks_pass" }

// DeliverWebhookArgs asks for one attempt at one delivery row, due at Due
// (its next_attempt_at in Unix microseconds): one job per attempt, and a
// second enqueue of the same attempt is a no-op.
type DeliverWebhookArgs struct {
	DeliveryID int64 `json:"delivery_id"`
	Due        int64 `json:"due"`
}

// Kind names the job in River.
func (DeliverWebhookArgs) Kind() string { return "deliver_webhook" }

// InsertOpts makes the job unique by its row and attempt. A job that keeps
// failing (the database, not the receiver) is discarded after a few tries;
// the row stays pending and the next pass enqueues it again.
func (DeliverWebhookArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueWebhooks, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

func deliverArgs(id int64, due time.Time) DeliverWebhookArgs {
	return DeliverWebhookArgs{DeliveryID: id, Due: due.UnixMicro()}
}

// addWebhooks registers the webhook workers, queue and periodic pass.
func addWebhooks[TTx any](cfg Config, workers *river.Workers, rc *river.Config) {
	if cfg.Webhooks == nil {
		return
	}
	every := cfg.WebhooksEvery
	if every <= 0 {
		every = 5 * time.Second
	}
	river.AddWorker(workers, &webhookPassWorker[TTx]{d: cfg.Webhooks, log: cfg.Log})
	river.AddWorker(workers, &deliverWebhookWorker[TTx]{d: cfg.Webhooks, log: cfg.Log})
	rc.Queues[QueueWebhooks] = river.QueueConfig{MaxWorkers: cfg.Workers}
	rc.PeriodicJobs = append(rc.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) {
			// One pass per period, even when leadership changes hands (River's
			// unique periods are at least a second).
			return WebhookPassArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: max(every, time.Second)}}
		},
		&river.PeriodicJobOpts{RunOnStart: true}))
}

// webhookPassWorker runs one webhook pass.
type webhookPassWorker[TTx any] struct {
	river.WorkerDefaults[WebhookPassArgs]
	d   *webhooks.Dispatcher
	log *slog.Logger
}

// passBatch bounds the deliveries one pass enqueues; the next pass takes the rest.
const passBatch = 1000

// Timeout lets a pass over many deliveries outlive a send's timeout.
func (w *webhookPassWorker[TTx]) Timeout(*river.Job[WebhookPassArgs]) time.Duration {
	return passTimeout
}

func (w *webhookPassWorker[TTx]) Work(ctx context.Context, job *river.Job[WebhookPassArgs]) error {
	created, err := w.d.FanOut(ctx)
	if err != nil {
		return err
	}
	due, err := w.d.Due(ctx, passBatch)
	if err != nil {
		return err
	}
	if len(due) > 0 {
		params := make([]river.InsertManyParams, len(due))
		for i, dd := range due {
			params[i] = river.InsertManyParams{Args: deliverArgs(dd.ID, dd.NextAttemptAt)}
		}
		if _, err := river.ClientFromContext[TTx](ctx).InsertMany(ctx, params); err != nil {
			return fmt.Errorf("jobs: enqueue webhook deliveries: %w", err)
		}
	}
	if err := w.d.NotifyDisabled(ctx); err != nil {
		w.log.Warn("telling vendors about disabled webhook endpoints", slog.Any("err", err))
	}
	if created > 0 || len(due) > 0 {
		w.log.Debug("webhook pass", slog.Int("created", created), slog.Int("due", len(due)))
	}
	return nil
}

// deliverWebhookWorker makes one attempt at a delivery and, when it is to
// be retried, enqueues the next attempt for its time.
type deliverWebhookWorker[TTx any] struct {
	river.WorkerDefaults[DeliverWebhookArgs]
	d   *webhooks.Dispatcher
	log *slog.Logger
}

// Timeout leaves room for the client's own timeout and the bookkeeping.
func (w *deliverWebhookWorker[TTx]) Timeout(*river.Job[DeliverWebhookArgs]) time.Duration {
	return time.Minute
}

func (w *deliverWebhookWorker[TTx]) Work(ctx context.Context, job *river.Job[DeliverWebhookArgs]) error {
	res, err := w.d.Deliver(ctx, job.Args.DeliveryID)
	if err != nil {
		return err
	}
	if !res.Attempted || res.Status != vendors.DeliveryPending {
		return nil
	}
	_, err = river.ClientFromContext[TTx](ctx).Insert(ctx, deliverArgs(job.Args.DeliveryID, res.NextAttemptAt),
		&river.InsertOpts{ScheduledAt: res.NextAttemptAt})
	if err != nil {
		// The row is the truth: the periodic pass enqueues it once due.
		w.log.Warn("scheduling a webhook retry", slog.Int64("delivery", job.Args.DeliveryID), slog.Any("err", err))
	}
	return nil
}
