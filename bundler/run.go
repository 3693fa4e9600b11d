package bundler

import (
	"context"
	"fmt"
	"time"
)

// StuckAfter is how long a row may stay "sending" before it is presumed
// abandoned by a dead process and offered again.
const StuckAfter = 10 * time.Minute

// PendingEntry names a ledger row waiting to be sent.
type PendingEntry struct {
	ID      int64
	Channel string
	// Attempts is how many times the row was claimed: 0 for a first send.
	Attempts int
}

// PendingEntries returns the rows waiting to be sent, oldest first, after
// rescuing rows stuck in "sending".
func (r *Runner) PendingEntries(ctx context.Context) ([]PendingEntry, error) {
	if _, err := r.Pending(ctx, StuckAfter); err != nil {
		return nil, err
	}
	var out []PendingEntry
	err := r.cfg.DB.WithContext(ctx).Model(&Entry{}).Select("id", "channel", "attempts").
		Where("status = ?", StatusPending).Order("id").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("bundler: pending digests: %w", err)
	}
	return out, nil
}

// Batch is pending rows of one channel, sent together.
type Batch struct {
	Channel string
	IDs     []int64
}

// Batches groups pending rows by channel, oldest first, into batches of at
// most size rows (0: DefaultBatchSize).
func Batches(pending []PendingEntry, size int) []Batch {
	if size <= 0 {
		size = DefaultBatchSize
	}
	var out []Batch
	open := map[string]int{} // channel → index of its batch being filled
	for _, p := range pending {
		i, ok := open[p.Channel]
		if !ok || len(out[i].IDs) == size {
			out = append(out, Batch{Channel: p.Channel})
			i = len(out) - 1
			open[p.Channel] = i
		}
		out[i].IDs = append(out[i].IDs, p.ID)
	}
	return out
}

// RunOnce plans as of now and then sends every pending digest, a batch at a
// time (SendBatch). It is `duehub digests run`; `duehub serve` does the same work
// through durable jobs instead.
func (r *Runner) RunOnce(ctx context.Context) (Report, error) {
	rep, err := r.Plan(ctx)
	if err != nil {
		return rep, err
	}
	pending, err := r.PendingEntries(ctx)
	if err != nil {
		return rep, err
	}
	for _, batch := range Batches(pending, r.cfg.BatchSize) {
		results, err := r.SendBatch(ctx, batch.IDs)
		for _, res := range results {
			ch := rep.Channels[batch.Channel]
			if ch == nil {
				ch = &ChannelReport{Skipped: map[string]int{}}
				rep.Channels[batch.Channel] = ch
			}
			switch {
			case res.Outcome == OutcomeSent:
				ch.Sent++
			case res.Outcome != OutcomeSkipped:
				ch.Skipped["send_"+res.Outcome]++
				rep.Skipped["send_"+res.Outcome]++
			}
			if res.Err != nil && (res.Outcome == OutcomeRetry || res.Outcome == OutcomeFailed) {
				r.cfg.Log.Warn("digest not sent", "digest", res.ID, "outcome", res.Outcome, "err", res.Err)
			}
		}
		if err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// Sent is the number of digests sent in this report.
func (rep Report) Sent() int {
	n := 0
	for _, c := range rep.Channels {
		n += c.Sent
	}
	return n
}
