package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/notify"
)

// The bounds on one digest send, each above the one inside it
// (notify.ProviderTimeout 30 s < notify.SendDeadline 40 s < SendJobTimeout
// < RescueJobsAfter < bundler.StuckAfter), so that a live send always ends,
// and releases its row, before anyone presumes it dead.
const (
	// SendJobTimeout cancels a send job's context: River's JobTimeout. Jobs
	// that legitimately run longer (planning and other passes) say so with
	// their own Timeout.
	SendJobTimeout = 50 * time.Second
	// RescueJobsAfter is River's RescueStuckJobsAfter: a job still "running"
	// this long was held by a dead process. River's default of an hour kept
	// a killed process's digests waiting that long, their unique jobs
	// blocking every re-enqueue.
	RescueJobsAfter = time.Minute
	// passTimeout bounds the periodic passes, which may walk many rows.
	passTimeout = 5 * time.Minute
	// DefaultRescueEvery is the period of the pass that returns rows
	// abandoned mid-send to pending and enqueues them. With StuckAfter it
	// bounds how late a killed process's digests go out again: about
	// 75 s + 15 s after the kill.
	DefaultRescueEvery = 15 * time.Second
)

// Each channel sends from its own queue with its own workers, so that a
// hanging provider occupies only its own channel's workers: a stalled
// Twilio does not stop email.
const (
	QueueEmail = "email"
	QueueSMS   = "sms"
)

// queueFor names the queue a channel's sends run in.
func queueFor(channel string) string {
	switch notify.Channel(channel) {
	case notify.Email:
		return QueueEmail
	case notify.SMS:
		return QueueSMS
	}
	return river.QueueDefault
}

// sendStates are the job states in which a send job blocks another one for
// the same row: it is waiting, running, or will run again. A completed,
// cancelled or discarded job blocks nothing: the ledger row decides whether
// there is anything left to send, so a job that ended "skipped" while
// another process held the row never stands in the way of the re-enqueue
// once that process died.
var sendStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled,
}

// sendParams are the inserts of send jobs for rows, each in its channel's queue.
func sendParams(rows []bundler.PendingEntry) []river.InsertManyParams {
	params := make([]river.InsertManyParams, len(rows))
	for i, p := range rows {
		params[i] = river.InsertManyParams{Args: SendArgs{DigestID: p.ID},
			InsertOpts: &river.InsertOpts{Queue: queueFor(p.Channel)}}
	}
	return params
}

// RescueArgs asks for one pass over rows abandoned mid-send.
type RescueArgs struct{}

// Kind names the job in River.
func (RescueArgs) Kind() string { return "rescue_digests" }

// rescueWorker returns rows whose lease ran out to pending and enqueues
// them, with every pending row tried before (bundler.PendingRetries). While
// the dead process's job is still "running" the insert is a no-op, and that
// job, once River rescues it, finds the row pending and sends it; if it ran
// too early and found the row still "sending", the next pass enqueues the
// row again.
type rescueWorker[TTx any] struct {
	river.WorkerDefaults[RescueArgs]
	runner *bundler.Runner
	log    *slog.Logger
}

func (w *rescueWorker[TTx]) Work(ctx context.Context, job *river.Job[RescueArgs]) error {
	rows, err := w.runner.RescueStuck(ctx)
	if err != nil {
		return err
	}
	retries, err := w.runner.PendingRetries(ctx)
	if err != nil {
		return err
	}
	rescued := len(rows)
	seen := make(map[int64]bool, len(rows))
	for _, r := range rows {
		seen[r.ID] = true
	}
	for _, r := range retries {
		if !seen[r.ID] {
			rows = append(rows, r)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	if _, err := river.ClientFromContext[TTx](ctx).InsertMany(ctx, sendParams(rows)); err != nil {
		return fmt.Errorf("jobs: enqueue rescued sends: %w", err)
	}
	if rescued > 0 {
		w.log.Info("abandoned digests enqueued again", slog.Int("count", rescued))
	}
	return nil
}

// addDelivery sets River's timeouts and rescue, the per-channel send queues
// and the rescue pass.
func addDelivery[TTx any](cfg Config, workers *river.Workers, rc *river.Config) {
	rc.JobTimeout = SendJobTimeout
	rc.RescueStuckJobsAfter = RescueJobsAfter
	smsWorkers := cfg.SMSWorkers
	if smsWorkers <= 0 {
		smsWorkers = cfg.Workers
	}
	rc.Queues[QueueEmail] = river.QueueConfig{MaxWorkers: cfg.Workers}
	rc.Queues[QueueSMS] = river.QueueConfig{MaxWorkers: smsWorkers}
	every := cfg.RescueEvery
	if every <= 0 {
		every = DefaultRescueEvery
	}
	river.AddWorker(workers, &rescueWorker[TTx]{runner: cfg.Runner, log: cfg.Log})
	rc.PeriodicJobs = append(rc.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) {
			return RescueArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: max(every, time.Second)}}
		},
		&river.PeriodicJobOpts{RunOnStart: true}))
}

// NextRetry sends a job River rescued from a dead process again within a
// second: its row is offered again once its lease runs out, and River's
// usual backoff (attempt⁴ seconds) would keep a digest that had already
// failed a few times waiting many minutes more, its job blocking the
// re-enqueue. A live attempt's error keeps River's backoff (the zero time):
// it ends within SendJobTimeout of its start, a rescued one no sooner than
// RescueJobsAfter.
func (w *sendWorker) NextRetry(job *river.Job[SendArgs]) time.Time {
	if job.AttemptedAt != nil && time.Since(*job.AttemptedAt) >= RescueJobsAfter {
		return time.Now().Add(time.Second)
	}
	return time.Time{}
}
