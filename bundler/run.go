package bundler

import (
	"context"
	"fmt"
	"time"
)

// StuckAfter is the lease a claim holds on a row: a row "sending" for longer
// is presumed abandoned by a dead process and offered again. It sits above
// every bound on a live send (notify.ProviderTimeout 30 s < notify.SendDeadline
// 40 s < the send job's timeout 50 s, see jobs), so a live worker never loses
// its row, and is short enough that a killed process's digests go out again
// within two minutes instead of waiting for River's rescuer.
const StuckAfter = 75 * time.Second

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

// RescueStuck returns rows left "sending" beyond StuckAfter to pending and
// names them, so that the caller enqueues them at once: their jobs died with
// their process, or finished as skipped while another process (a killed
// `digests run`) held the row.
func (r *Runner) RescueStuck(ctx context.Context) ([]PendingEntry, error) {
	return r.rescue(ctx, StuckAfter)
}

// PendingRetries names the pending rows that were tried before (attempts >
// 0): each should have a retry job scheduled, and the rescue pass enqueues
// them again so that none is left without one. Such a job can be lost to a
// race: a dead process's job, freed by River's rescuer, tries the row while
// it is still "sending" and finishes as skipped, just as the rescue pass
// returns the row to pending and its enqueue is refused because that job was
// still running. Enqueueing a row whose job is waiting is a no-op (send
// jobs are unique while unfinished).
func (r *Runner) PendingRetries(ctx context.Context) ([]PendingEntry, error) {
	var out []PendingEntry
	err := r.cfg.DB.WithContext(ctx).Model(&Entry{}).Select("id", "channel", "attempts").
		Where("status = ? AND attempts > 0", StatusPending).Order("id").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("bundler: pending retries: %w", err)
	}
	return out, nil
}

// ParkFor caps a wait before the next try of a row (a provider's
// Retry-After, SMS quiet hours) by the remaining life of its slot: a parked
// digest comes back just after its stale limit at the latest, when the send
// expires it, instead of sitting out a wait the ledger would never honour.
func (r *Runner) ParkFor(ctx context.Context, digestID int64, wait time.Duration) time.Duration {
	var e Entry
	if err := r.cfg.DB.WithContext(ctx).Select("id", "slot").Where("id = ?", digestID).Take(&e).Error; err != nil {
		return wait // the next try reads the row again
	}
	left := e.Slot.Add(r.cfg.StaleAfter).Sub(r.now())
	return min(wait, max(left, 0)+time.Second)
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
