package bundler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/vendors"
)

// Outcomes of Send.
const (
	OutcomeSent    = "sent"
	OutcomeSkipped = "skipped" // another worker has it, or it is already settled
	OutcomeExpired = "expired"
	OutcomeEmpty   = "empty"
	OutcomeFailed  = "failed" // permanent: will not be retried
	OutcomeRetry   = "retry"  // transient: the returned error says when
)

// Send delivers one ledger row. The row is claimed first, so two workers
// never both send it; the digest is built from live state now, not from
// the state when it was planned. A transient failure returns the row to
// pending and returns the provider error (with notify.RetryAfter) so the
// caller can retry it later.
func (r *Runner) Send(ctx context.Context, digestID int64) (string, error) {
	e, ok, err := r.claim(ctx, digestID)
	if err != nil || !ok {
		return OutcomeSkipped, err
	}
	now := r.now()
	if now.Sub(e.Slot) > r.cfg.StaleAfter {
		return OutcomeExpired, r.settle(ctx, e, StatusExpired, map[string]any{}, Attempt{})
	}
	p, err := r.cfg.Payers.Get(ctx, e.PayerID)
	if err != nil {
		return r.release(ctx, e, err)
	}
	if loc := r.scheduleOf(p).loc(); e.Channel == string(notify.SMS) && !SMSAllowed(now, loc) {
		// A retry that comes due at night waits for the morning.
		wait := NextSMSTime(now, loc).Sub(now)
		return r.release(ctx, e, &notify.Error{RetryAfter: wait, Code: ReasonQuietHours,
			Err: fmt.Errorf("SMS outside 08:00-21:00 payer-local")})
	}
	if p.PausedUntil != nil && p.PausedUntil.After(now) {
		return OutcomeEmpty, r.settle(ctx, e, StatusEmpty, map[string]any{"last_error": "payer paused reminders"}, Attempt{})
	}
	d, err := r.build(ctx, e, p, now)
	if err != nil {
		return r.release(ctx, e, err)
	}
	if d.InvoiceCount() == 0 {
		return OutcomeEmpty, r.settle(ctx, e, StatusEmpty, map[string]any{}, Attempt{})
	}
	msg, err := r.message(ctx, e, d)
	if err != nil {
		if errors.Is(err, errNoRecipient) {
			return OutcomeFailed, r.settle(ctx, e, StatusFailed, map[string]any{"last_error": err.Error()},
				Attempt{Status: "failed", Error: err.Error()})
		}
		return r.release(ctx, e, err)
	}
	res, sendErr := r.sender(e.Channel).Send(ctx, msg)
	if sendErr != nil {
		return r.failed(ctx, e, msg, sendErr)
	}
	ids := invoiceIDs(d)
	err = r.settle(ctx, e, StatusSent, map[string]any{
		"provider_id": res.ProviderID, "sent_at": now, "subject": msg.Subject, "last_error": "",
		"recipients":  strings.Join(append(append(append([]string{}, msg.To...), msg.CC...), msg.BCC...), ","),
		"invoice_ids": joinIDs(ids),
	}, Attempt{Status: "sent", ProviderID: res.ProviderID})
	if err != nil {
		return OutcomeSent, err
	}
	return OutcomeSent, r.recordDelivered(ctx, e, d)
}

// release puts a claimed row back to pending after an error of ours (not
// the provider's), so that it is tried again.
func (r *Runner) release(ctx context.Context, e Entry, cause error) (string, error) {
	if err := r.settle(context.WithoutCancel(ctx), e, StatusPending, map[string]any{"last_error": cause.Error()},
		Attempt{Status: "retry", Error: cause.Error()}); err != nil {
		return OutcomeRetry, errors.Join(cause, err)
	}
	return OutcomeRetry, cause
}

// failed records a provider error: permanent errors fail the row (and
// suppress the address when the provider says it is dead), transient ones
// return it to pending.
func (r *Runner) failed(ctx context.Context, e Entry, msg notify.Message, sendErr error) (string, error) {
	ctx = context.WithoutCancel(ctx)
	if !notify.IsPermanent(sendErr) {
		if err := r.settle(ctx, e, StatusPending, map[string]any{"last_error": sendErr.Error()},
			Attempt{Status: "retry", Error: sendErr.Error()}); err != nil {
			return OutcomeRetry, errors.Join(sendErr, err)
		}
		return OutcomeRetry, sendErr
	}
	if notify.ShouldSuppress(sendErr) {
		var ne *notify.Error
		addrs := append(append([]string{}, msg.To...), msg.CC...)
		if errors.As(sendErr, &ne) && ne.Address != "" {
			addrs = []string{ne.Address}
		}
		for _, a := range addrs {
			if err := r.cfg.Payers.Suppress(ctx, e.Channel, a, "invalid", sendErr.Error()); err != nil {
				return OutcomeFailed, err
			}
		}
		r.cfg.Log.Warn("digest recipient suppressed", slog.Int64("digest", e.ID), slog.Int("addresses", len(addrs)))
	}
	return OutcomeFailed, r.settle(ctx, e, StatusFailed, map[string]any{"last_error": sendErr.Error()},
		Attempt{Status: "failed", Error: sendErr.Error()})
}

var errNoRecipient = errors.New("no reachable recipient on this channel")

// message renders the digest for the row's channel and addresses it.
func (r *Runner) message(ctx context.Context, e Entry, d Digest) (notify.Message, error) {
	rcpt, err := r.cfg.Payers.Recipients(ctx, e.PayerID)
	if err != nil {
		return notify.Message{}, err
	}
	msg := notify.Message{ID: "digest-" + strconv.FormatInt(e.ID, 10), Channel: notify.Channel(e.Channel)}
	switch msg.Channel {
	case notify.SMS:
		if len(rcpt.SMS) == 0 {
			return msg, errNoRecipient
		}
		if d.ShortURL, err = r.shortLink(ctx, e, r.now()); err != nil {
			return msg, err
		}
		msg.To = rcpt.SMS[:1]
		msg.StatusCallback = r.cfg.BaseURL + "/webhooks/twilio/status"
		if msg.Text, err = RenderSMS(d); err != nil {
			return msg, err
		}
	default:
		msg.To, msg.CC, msg.BCC = rcpt.To, rcpt.CC, rcpt.BCC
		if len(msg.To) == 0 {
			// Approvers alone still get the digest, as its recipients.
			msg.To, msg.CC = msg.CC, nil
		}
		if len(msg.To) == 0 {
			return msg, errNoRecipient
		}
		msg.From, msg.FromName = r.cfg.From, r.cfg.FromName
		if msg.Subject, msg.Text, msg.HTML, err = RenderEmail(d); err != nil {
			return msg, err
		}
		msg.Headers = map[string]string{
			"List-Unsubscribe":      "<" + d.UnsubscribeURL + ">",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		}
	}
	return msg, nil
}

// recordDelivered writes a digest.delivered event for each vendor in the
// digest, naming only that vendor's invoices.
func (r *Runner) recordDelivered(ctx context.Context, e Entry, d Digest) error {
	ctx = context.WithoutCancel(ctx)
	ext, err := r.externalIDs(ctx, d)
	if err != nil {
		return err
	}
	for _, v := range d.Vendors {
		ids := make([]string, 0, len(v.Invoices))
		for _, l := range v.Invoices {
			ids = append(ids, ext[l.InvoiceID])
		}
		if len(ids) == 0 {
			continue
		}
		err := r.cfg.Vendors.RecordEvent(ctx, v.VendorID, vendors.EventDigestDelivered, map[string]any{
			"digest_id": e.ID, "channel": e.Channel, "invoice_ids": ids, "sent_at": r.now(),
		})
		if err != nil {
			return fmt.Errorf("bundler: digest event: %w", err)
		}
	}
	return nil
}

func (r *Runner) externalIDs(ctx context.Context, d Digest) (map[int64]string, error) {
	ids := invoiceIDs(d)
	var rows []struct {
		ID         int64
		ExternalID string
	}
	if err := r.cfg.DB.WithContext(ctx).Table("invoices").Select("id", "external_id").Where("id IN ?", ids).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("bundler: invoice ids: %w", err)
	}
	out := make(map[int64]string, len(rows))
	for _, row := range rows {
		out[row.ID] = row.ExternalID
	}
	return out, nil
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
