package bundler

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// Result is what became of one ledger row in a batch.
type Result struct {
	ID      int64
	Channel string
	Outcome string // Outcome…
	// Err is the row's error: the provider's for a failure or a retry (with
	// notify.RetryAfter when the provider asked to wait), ours when the row
	// could not be built or settled.
	Err error
}

// Defaults of the batch pass.
const (
	// DefaultBatchSize is how many ledger rows one batch of RunOnce claims
	// on PostgreSQL.
	DefaultBatchSize = 500
	// DefaultSQLiteBatchSize is the same on SQLite, whose one connection
	// every API request waits for while a batch's statements run: batches
	// of 500 held it long enough to put the API's p99 during a pass at
	// 300 ms, batches of 100 at 30-50 ms (duehub bench --scale 0.01), for
	// the same digests per second.
	DefaultSQLiteBatchSize = 100
	// DefaultSendConcurrency is how many messages of a batch are with the
	// provider at once: sends are I/O, not CPU.
	DefaultSendConcurrency = 8
	// DefaultSettleEvery is how long sent rows of a batch may wait for their
	// settling transaction while the rest of the batch is still sending: an
	// answer the provider gave is recorded within about that, so a kill
	// re-sends little more than the sends in flight.
	DefaultSettleEvery = 100 * time.Millisecond
)

// SendBatch delivers the pending rows among ids with a fixed number of round
// trips for the whole batch: one claim, one read each of payers, open
// invoices and recipients, one insert of SMS short links, and one settling
// transaction per SettleEvery of sending (a single one when the provider
// keeps up). Digests are built, signed and rendered on all cores and sent with
// Config.SendConcurrency at a time. Each row ends exactly as Send would
// leave it; the results come in the order of ids, OutcomeSkipped for rows
// that were not pending.
//
// Exactly-once rests on the claim: rows are `sending` from the claim until
// their outcome commits, and only the rescue of rows whose claim is older
// than StuckAfter offers them again; a live batch renews the claim of the
// rows it still holds every StuckAfter/3, however slow its provider. A crash therefore loses nothing, and
// re-sends only the rows whose messages had gone out but whose outcome was
// not committed yet, which settling every 100 ms bounds. When the settling
// transaction fails after sends it is retried; if it still fails the rows
// stay `sending` (never `pending`, which would send them again at once) and
// an error is logged with their ids: the rescue sends them again later, a
// duplicate we prefer to a digest lost.
func (r *Runner) SendBatch(ctx context.Context, ids []int64) ([]Result, error) {
	return r.sendBatch(ctx, ids, false)
}

// SendFirstAttempts is SendBatch for rows never tried yet: a retry is left
// to the per-digest path (Send), which River schedules after the provider's
// Retry-After. It keeps a stale batch job from sending a row early that an
// earlier batch returned to pending.
func (r *Runner) SendFirstAttempts(ctx context.Context, ids []int64) ([]Result, error) {
	return r.sendBatch(ctx, ids, true)
}

// job is one claimed row through the pass.
type job struct {
	e      Entry
	p      payers.Payer
	d      Digest
	ext    map[int64]string // invoice id → the vendor's external id
	msg    notify.Message
	done   bool // settled or about to be: out of the pass
	result Result
	s      settlement
}

func (r *Runner) sendBatch(ctx context.Context, ids []int64, firstOnly bool) ([]Result, error) {
	claimed, err := r.claimMany(ctx, ids, firstOnly)
	if err != nil {
		return skippedAll(ids), err
	}
	now := r.now()
	jobs := make([]*job, len(claimed))
	for i, e := range claimed {
		jobs[i] = &job{e: e}
	}
	r.prepare(ctx, jobs, now)
	sendErr := r.sendAndSettle(ctx, jobs, now)
	byID := make(map[int64]*job, len(jobs))
	for _, j := range jobs {
		byID[j.e.ID] = j
	}
	out := make([]Result, len(ids))
	for i, id := range ids {
		if j, ok := byID[id]; ok {
			out[i] = j.result
			delete(byID, id) // an id named twice was sent once
		} else {
			out[i] = Result{ID: id, Outcome: OutcomeSkipped}
		}
	}
	return out, sendErr
}

func skippedAll(ids []int64) []Result {
	out := make([]Result, len(ids))
	for i, id := range ids {
		out[i] = Result{ID: id, Outcome: OutcomeSkipped}
	}
	return out
}

// end decides a row's outcome without sending it.
func (j *job) end(outcome, status string, lastError *string, attempt Attempt, err error) {
	j.done = true
	j.result = Result{ID: j.e.ID, Channel: j.e.Channel, Outcome: outcome, Err: err}
	j.s = settlement{e: j.e, status: status, lastError: lastError, attempt: attempt}
}

// release returns the row to pending after an error of ours (not the
// provider's), so that it is tried again.
func (j *job) release(cause error) {
	msg := cause.Error()
	j.end(OutcomeRetry, StatusPending, &msg, Attempt{Status: "retry", Error: msg}, cause)
}

func text(s string) *string { return &s }

// live returns the jobs still in the pass.
func live(jobs []*job) []*job {
	var out []*job
	for _, j := range jobs {
		if !j.done {
			out = append(out, j)
		}
	}
	return out
}

// prepare takes every claimed row as far as a message to send, or to its
// outcome: the same checks in the same order as Send always made, with the
// reads of the whole batch done at once.
func (r *Runner) prepare(ctx context.Context, jobs []*job, now time.Time) {
	for _, j := range jobs {
		if now.Sub(j.e.Slot) > r.cfg.StaleAfter {
			j.end(OutcomeExpired, StatusExpired, nil, Attempt{}, nil)
		}
	}
	rest := live(jobs)
	ps, err := r.cfg.Payers.GetMany(ctx, payerIDs(rest))
	if err != nil {
		releaseAll(rest, err)
		return
	}
	for _, j := range rest {
		p, ok := ps[j.e.PayerID]
		if !ok {
			j.release(fmt.Errorf("payers: get: payer %d: %w", j.e.PayerID, payers.ErrNotFound))
			continue
		}
		j.p = p
		if loc := r.scheduleOf(p).loc(); j.e.Channel == string(notify.SMS) && !SMSAllowed(now, loc) {
			// A retry that comes due at night waits for the morning.
			wait := NextSMSTime(now, loc).Sub(now)
			j.release(&notify.Error{RetryAfter: wait, Code: ReasonQuietHours,
				Err: fmt.Errorf("SMS outside 08:00-21:00 payer-local")})
			continue
		}
		if p.PausedUntil != nil && p.PausedUntil.After(now) {
			j.end(OutcomeEmpty, StatusEmpty, text("payer paused reminders"), Attempt{}, nil)
		}
	}
	rest = live(jobs)
	open, err := r.cfg.Payers.OpenInvoicesOf(ctx, ps, payerIDs(rest), now)
	if err != nil {
		releaseAll(rest, err)
		return
	}
	hist, err := r.listingsOf(ctx, payerIDs(rest), now)
	if err != nil {
		releaseAll(rest, err)
		return
	}
	nws, err := r.newsOf(ctx, payerIDs(rest), now)
	if err != nil {
		releaseAll(rest, err)
		return
	}
	parallel(len(rest), func(i int) {
		j := rest[i]
		rows := open[j.p.ID]
		d, err := r.build(j.e, j.p, rows, hist[j.p.ID], nws[j.p.ID], now)
		if err != nil {
			j.release(err)
			return
		}
		if d.InvoiceCount() == 0 && (d.Changes.Answers == 0 || heldCount(d) == 0) {
			// Nothing due: no message, unless an answer waits and the
			// payer's held invoices give the message something to show.
			j.end(OutcomeEmpty, StatusEmpty, nil, Attempt{}, nil)
			return
		}
		j.d = d
		j.ext = make(map[int64]string, len(rows))
		for _, o := range rows {
			j.ext[o.InvoiceID] = o.ExternalID
		}
	})
	rest = live(jobs)
	rcpts, err := r.cfg.Payers.RecipientsOf(ctx, payerIDs(rest))
	if err != nil {
		releaseAll(rest, err)
		return
	}
	var sms []*job
	for _, j := range rest {
		if err := r.address(j, rcpts[j.p.ID]); err != nil {
			j.end(OutcomeFailed, StatusFailed, text(err.Error()), Attempt{Status: "failed", Error: err.Error()}, err)
			continue
		}
		if r.cfg.ReplyTo != nil && j.msg.Channel == notify.Email {
			var err error
			if j.msg.ReplyTo, err = r.cfg.ReplyTo(ctx, j.p.ID, j.e.ID); err != nil {
				j.release(err)
				continue
			}
		}
		if r.sender(j.e.Channel) == nil {
			// A row planned before its channel was turned off waits for it.
			j.release(fmt.Errorf("bundler: no sender for channel %s", j.e.Channel))
			continue
		}
		if j.msg.Channel == notify.SMS {
			sms = append(sms, j)
		}
	}
	if err := r.shortLinks(ctx, sms, now); err != nil {
		releaseAll(sms, err)
	}
	if err := r.brand(ctx, live(jobs)); err != nil {
		releaseAll(live(jobs), err)
	}
	rest = live(jobs)
	parallel(len(rest), func(i int) {
		if err := r.render(rest[i]); err != nil {
			rest[i].release(err)
		}
	})
}

func releaseAll(jobs []*job, err error) {
	for _, j := range jobs {
		j.release(err)
	}
}

func payerIDs(jobs []*job) []int64 {
	ids := make([]int64, 0, len(jobs))
	for _, j := range jobs {
		ids = append(ids, j.e.PayerID)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// parallel runs fn(0) … fn(n-1) on GOMAXPROCS goroutines: building and
// rendering are CPU work (HMAC signing, templates). A panic is raised again
// in the caller, where River's worker recovers it as it always did.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	var panicked atomic.Pointer[any]
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					panicked.CompareAndSwap(nil, &p)
				}
			}()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		}()
	}
	wg.Wait()
	if p := panicked.Load(); p != nil {
		panic(*p)
	}
}

var errNoRecipient = errors.New("no reachable recipient on this channel")

// address fills the message's recipients for the row's channel.
func (r *Runner) address(j *job, rcpt payers.Recipients) error {
	j.msg = notify.Message{ID: "digest-" + strconv.FormatInt(j.e.ID, 10), Channel: notify.Channel(j.e.Channel)}
	switch j.msg.Channel {
	case notify.SMS:
		if len(rcpt.SMS) == 0 {
			return errNoRecipient
		}
		j.msg.To = rcpt.SMS[:1]
		j.msg.StatusCallback = r.cfg.BaseURL + "/webhooks/twilio/status"
	default:
		j.msg.To, j.msg.CC, j.msg.BCC = rcpt.To, rcpt.CC, rcpt.BCC
		if len(j.msg.To) == 0 {
			// Approvers alone still get the digest, as its recipients.
			j.msg.To, j.msg.CC = j.msg.CC, nil
		}
		if len(j.msg.To) == 0 {
			return errNoRecipient
		}
		j.msg.From, j.msg.FromName = r.cfg.From, r.cfg.FromName
	}
	return nil
}

// render writes the message's body.
func (r *Runner) render(j *job) error {
	var err error
	if j.msg.Channel == notify.SMS {
		j.msg.Text, err = RenderSMS(j.d)
		return err
	}
	if j.msg.Subject, j.msg.Text, j.msg.HTML, err = RenderEmail(j.d); err != nil {
		return err
	}
	j.msg.Headers = map[string]string{
		"List-Unsubscribe":      "<" + j.d.UnsubscribeURL + ">",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
	}
	return nil
}

// outcome records what the provider said about the row's message.
func (r *Runner) outcome(j *job, res notify.Result, sendErr error, now time.Time) {
	if sendErr == nil {
		j.result = Result{ID: j.e.ID, Channel: j.e.Channel, Outcome: OutcomeSent}
		m := j.msg
		j.s = settlement{e: j.e, status: StatusSent, lastError: text(""),
			sent: &sentFields{providerID: res.ProviderID, subject: m.Subject,
				recipients: strings.Join(append(append(append([]string{}, m.To...), m.CC...), m.BCC...), ","),
				invoiceIDs: joinIDs(invoiceIDs(j.d))},
			attempt: Attempt{Status: "sent", ProviderID: res.ProviderID},
			events:  r.deliveredEvents(j, now)}
		return
	}
	msg := sendErr.Error()
	if !notify.IsPermanent(sendErr) {
		j.result = Result{ID: j.e.ID, Channel: j.e.Channel, Outcome: OutcomeRetry, Err: sendErr}
		j.s = settlement{e: j.e, status: StatusPending, lastError: &msg, attempt: Attempt{Status: "retry", Error: msg}}
		return
	}
	j.result = Result{ID: j.e.ID, Channel: j.e.Channel, Outcome: OutcomeFailed, Err: sendErr}
	j.s = settlement{e: j.e, status: StatusFailed, lastError: &msg, attempt: Attempt{Status: "failed", Error: msg}}
}

// suppressions returns the addresses a permanent failure must suppress:
// the one the provider named, else every visible recipient.
func suppressions(msg notify.Message, sendErr error) []string {
	if !notify.ShouldSuppress(sendErr) {
		return nil
	}
	var ne *notify.Error
	if errors.As(sendErr, &ne) && ne.Address != "" {
		return []string{ne.Address}
	}
	return append(append([]string{}, msg.To...), msg.CC...)
}

// deliveredEvents are the digest.delivered events of a sent digest: one per
// vendor in it, naming only that vendor's invoices.
func (r *Runner) deliveredEvents(j *job, now time.Time) []vendors.Event {
	var out []vendors.Event
	for _, v := range j.d.Vendors {
		ids := make([]string, 0, len(v.Invoices))
		for _, l := range v.Invoices {
			ids = append(ids, j.ext[l.InvoiceID])
		}
		if len(ids) == 0 {
			continue
		}
		payload, err := marshalEvent(map[string]any{
			"digest_id": j.e.ID, "channel": j.e.Channel, "invoice_ids": ids, "sent_at": now,
		})
		if err != nil {
			r.cfg.Log.Error("digest event not written", "digest", j.e.ID, "err", err)
			continue
		}
		out = append(out, vendors.Event{VendorID: v.VendorID, Type: vendors.EventDigestDelivered, Payload: payload, CreatedAt: now})
	}
	return out
}

func invoiceIDs(d Digest) []int64 {
	var ids []int64
	for _, v := range d.Vendors {
		for _, l := range v.Invoices {
			ids = append(ids, l.InvoiceID)
		}
	}
	return ids
}

func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}
