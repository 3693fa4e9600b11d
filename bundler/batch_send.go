package bundler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/duehub/duehub/notify"
)

// sendAndSettle sends the messages of the jobs still in the pass, at most
// the channel's send slots at a time (shared by the runner's batches), and
// settles every job: those decided
// without sending in the first transaction, the sent ones as they come back,
// one transaction per SettleEvery (one in all when sending is quick).
func (r *Runner) sendAndSettle(ctx context.Context, jobs []*job, now time.Time) error {
	var ready []*job
	var toSend []*job
	for _, j := range jobs {
		if j.done {
			ready = append(ready, j)
		} else {
			toSend = append(toSend, j)
		}
	}
	results := make(chan *job, len(toSend))
	go func() {
		for _, j := range toSend {
			sem := r.sendSlots(j.e.Channel)
			acquired := false
			select {
			case sem <- struct{}{}:
				acquired = true
			case <-ctx.Done():
			}
			if ctx.Err() != nil {
				// Shutting down: what is not sent yet goes back to pending.
				if acquired {
					<-sem
				}
				j.release(fmt.Errorf("bundler: not sent: %w", ctx.Err()))
				results <- j
				continue
			}
			go func() {
				defer func() { <-sem }()
				res, err := r.send(ctx, j)
				r.outcome(j, res, err, now)
				results <- j
			}()
		}
	}()
	tick := time.NewTicker(r.cfg.SettleEvery)
	defer tick.Stop()
	// The claim is a lease of StuckAfter: rows still waiting for their send
	// or their settling have it renewed while this batch is alive, so that
	// a slow provider never makes another process take them for abandoned.
	renew := time.NewTicker(r.cfg.LeaseRenewEvery)
	defer renew.Stop()
	unsettled := make(map[int64]bool, len(jobs))
	for _, j := range jobs {
		unsettled[j.e.ID] = true
	}
	var errs []error
	flush := func() {
		if len(ready) == 0 {
			return
		}
		if err := r.settleWithRetry(ctx, ready); err != nil {
			errs = append(errs, err)
		}
		for _, j := range ready {
			delete(unsettled, j.e.ID)
		}
		ready = ready[:0]
	}
	for got := 0; got < len(toSend); {
		select {
		case j := <-results:
			got++
			r.suppress(ctx, j)
			ready = append(ready, j)
		case <-tick.C:
			flush()
		case <-renew.C:
			r.renewLease(ctx, unsettled)
		}
	}
	flush()
	return errors.Join(errs...)
}

// send hands one message to its channel's provider. A provider that panics
// fails this message (to be retried), not the process: the send runs on a
// goroutine of the batch, where River cannot recover it.
func (r *Runner) send(ctx context.Context, j *job) (res notify.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("bundler: provider panicked: %v", p)
		}
	}()
	return r.sender(j.e.Channel).Send(ctx, j.msg)
}

// renewLease moves the claim of the rows still in the batch forward. If it
// fails the rows may be offered again after StuckAfter, the duplicate the
// lease exists to bound; it is logged, and the batch goes on.
func (r *Runner) renewLease(ctx context.Context, unsettled map[int64]bool) {
	if len(unsettled) == 0 {
		return
	}
	ids := make([]int64, 0, len(unsettled))
	for id := range unsettled {
		ids = append(ids, id)
	}
	err := r.cfg.DB.WithContext(context.WithoutCancel(ctx)).Model(&Entry{}).
		Where("id IN ? AND status = ?", ids, StatusSending).Update("updated_at", r.now()).Error
	if err != nil {
		r.cfg.Log.Error("digest claims not renewed", slog.Int("rows", len(ids)), slog.Any("err", err))
	}
}

// suppress records the suppressions a permanent failure calls for before
// the row is settled, as Send always did.
func (r *Runner) suppress(ctx context.Context, j *job) {
	if j.result.Outcome != OutcomeFailed || j.result.Err == nil {
		return
	}
	addrs := suppressions(j.msg, j.result.Err)
	for _, a := range addrs {
		if err := r.cfg.Payers.Suppress(context.WithoutCancel(ctx), j.e.Channel, a, "invalid", j.result.Err.Error()); err != nil {
			j.result.Err = errors.Join(j.result.Err, err)
			r.cfg.Log.Error("digest recipient not suppressed", slog.Int64("digest", j.e.ID), slog.Any("err", err))
		}
	}
	if len(addrs) > 0 {
		r.cfg.Log.Warn("digest recipient suppressed", slog.Int64("digest", j.e.ID), slog.Int("addresses", len(addrs)))
	}
}

// settleBackoff are the waits between tries of a settling transaction.
var settleBackoff = []time.Duration{100 * time.Millisecond, 500 * time.Millisecond, 2 * time.Second, 5 * time.Second}

// settleWithRetry settles jobs, trying again when the transaction fails:
// messages have gone out, and a row left behind is sent again after
// StuckAfter. It goes on when ctx is cancelled (shutdown), for the same
// reason.
func (r *Runner) settleWithRetry(ctx context.Context, jobs []*job) error {
	ctx = context.WithoutCancel(ctx)
	rows := make([]settlement, len(jobs))
	for i, j := range jobs {
		rows[i] = j.s
	}
	var err error
	for try := 0; ; try++ {
		if err = r.settleMany(ctx, rows); err == nil {
			return nil
		}
		if try == len(settleBackoff) {
			break
		}
		r.cfg.Log.Warn("digest batch not settled, trying again", slog.Int("rows", len(rows)), slog.Any("err", err))
		time.Sleep(settleBackoff[try])
	}
	ids := make([]int64, len(jobs))
	sent := 0
	for i, j := range jobs {
		ids[i] = j.e.ID
		if j.result.Outcome == OutcomeSent {
			sent++
		}
		j.result.Err = errors.Join(j.result.Err, err)
	}
	r.cfg.Log.Error("digest batch not settled: rows stay sending until the stuck-row rescue offers them again (the sent ones will go out twice)",
		slog.Any("digests", ids), slog.Int("sent", sent), slog.Any("err", err))
	return err
}

func marshalEvent(payload map[string]any) (string, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return "", fmt.Errorf("bundler: event payload: %w", err)
	}
	return string(b), nil
}
