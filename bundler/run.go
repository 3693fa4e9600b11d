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
}

// PendingEntries returns the rows waiting to be sent, oldest first, after
// rescuing rows stuck in "sending".
func (r *Runner) PendingEntries(ctx context.Context) ([]PendingEntry, error) {
	if _, err := r.Pending(ctx, StuckAfter); err != nil {
		return nil, err
	}
	var out []PendingEntry
	err := r.cfg.DB.WithContext(ctx).Model(&Entry{}).Select("id", "channel").
		Where("status = ?", StatusPending).Order("id").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("bundler: pending digests: %w", err)
	}
	return out, nil
}

// RunOnce plans as of now and then sends every pending digest in this
// goroutine. It is `duehub digests run`; `duehub serve` does the same work
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
	for _, p := range pending {
		outcome, err := r.Send(ctx, p.ID)
		ch := rep.Channels[p.Channel]
		if ch == nil {
			ch = &ChannelReport{Skipped: map[string]int{}}
			rep.Channels[p.Channel] = ch
		}
		switch {
		case outcome == OutcomeSent:
			ch.Sent++
		case outcome != OutcomeSkipped:
			ch.Skipped["send_"+outcome]++
			rep.Skipped["send_"+outcome]++
		}
		if err != nil && outcome != OutcomeRetry && outcome != OutcomeFailed {
			return rep, err
		}
		if err != nil {
			r.cfg.Log.Warn("digest not sent", "digest", p.ID, "outcome", outcome, "err", err)
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
