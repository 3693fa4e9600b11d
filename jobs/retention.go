package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/duehub/duehub/privacy"
)

// Issue 15: the retention pass empties the bodies of messages sent more
// than Days ago (privacy.Purge), once an hour on the leader.

// RetentionArgs asks for one retention pass.
type RetentionArgs struct{}

// Kind names the job in River.
func (RetentionArgs) Kind() string { return "purge_message_bodies" }

// Retention configures the pass; Days <= 0 turns it off.
type Retention struct {
	DB    *gorm.DB
	Days  int
	Every time.Duration // default one hour
	Now   func() time.Time
}

type retentionWorker struct {
	river.WorkerDefaults[RetentionArgs]
	r   Retention
	log *slog.Logger
}

func (w *retentionWorker) Work(ctx context.Context, job *river.Job[RetentionArgs]) error {
	cutoff := w.r.Now().AddDate(0, 0, -w.r.Days)
	p, err := privacy.Purge(ctx, w.r.DB, cutoff)
	if err != nil {
		return err
	}
	if p.Outbox+p.Replies > 0 {
		w.log.Info("message bodies purged", slog.Int64("sent", p.Outbox), slog.Int64("replies", p.Replies),
			slog.Time("before", cutoff), slog.Int("retention_days", w.r.Days))
	}
	return nil
}

func addRetention(cfg Config, workers *river.Workers, rc *river.Config) {
	r := cfg.Retention
	if r == nil || r.Days <= 0 || r.DB == nil {
		return
	}
	if r.Every <= 0 {
		r.Every = time.Hour
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	every := r.Every
	river.AddWorker(workers, &retentionWorker{r: *r, log: cfg.Log})
	rc.PeriodicJobs = append(rc.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) {
			return RetentionArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: every}}
		},
		&river.PeriodicJobOpts{RunOnStart: true}))
}
