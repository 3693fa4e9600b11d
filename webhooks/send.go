package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/duehub/duehub/vendors"
)

// attempt sends a claimed delivery once and decides what comes next.
func (d *Dispatcher) attempt(ctx context.Context, c vendors.ClaimedDelivery) vendors.AttemptOutcome {
	code, took, err := d.post(ctx, c)
	o := vendors.AttemptOutcome{StatusCode: code, Duration: took, At: d.now()}
	switch {
	case err == nil && code >= 200 && code < 300:
		o.Status = vendors.DeliveryDelivered
		return o
	case err == nil && code == http.StatusGone:
		o.Status, o.Error = vendors.DeliveryFailed, "HTTP 410 Gone"
		o.DisableReason = "the endpoint answered 410 Gone"
		return o
	case err == nil && code >= 300 && code < 400:
		o.Error = fmt.Sprintf("HTTP %d: redirects are not followed; the endpoint must answer 2xx itself", code)
	case err == nil:
		o.Error = fmt.Sprintf("HTTP %d", code)
	default:
		o.Error = describeErr(err)
	}
	s := d.cfg.Schedule
	if !s.GiveUp(c.Delivery.RetryFrom, o.At) {
		o.Status = vendors.DeliveryPending
		o.NextAttemptAt = o.At.Add(s.Wait(c.Delivery.Attempts, d.cfg.Rand())).Truncate(time.Microsecond)
		return o
	}
	o.Status = vendors.DeliveryFailed
	// Out of retries: the endpoint goes too when nothing got through since
	// this delivery's window began.
	if last := c.Endpoint.LastSuccessAt; last == nil || last.Before(c.Delivery.RetryFrom) {
		o.DisableReason = fmt.Sprintf("no delivery succeeded for %s (last error: %s)", days(s.Window), o.Error)
		o.Notify = true
	}
	return o
}

// post sends the signed event and returns the response status.
func (d *Dispatcher) post(ctx context.Context, c vendors.ClaimedDelivery) (int, time.Duration, error) {
	ev := EventOf(c.Event)
	if c.Delivery.TestEventID != "" {
		ev = TestEventOf(c.Delivery, c.Endpoint)
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return 0, 0, fmt.Errorf("encode event: %w", err)
	}
	now := d.now()
	secrets, err := d.cfg.Vendors.SigningSecrets(c.Endpoint, now)
	if err != nil {
		return 0, 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Endpoint.URL, bytes.NewReader(body))
	if err != nil {
		return 0, 0, fmt.Errorf("bad endpoint URL: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "duehub-webhooks/1")
	req.Header.Set("Duehub-Event-Id", ev.ID)
	req.Header.Set("Duehub-Event-Type", ev.Type)
	req.Header.Set("Duehub-Delivery-Id", c.Delivery.PublicID)
	req.Header.Set("Duehub-Signature", SignAll(secrets, now.Unix(), body))
	start := time.Now()
	resp, err := d.cfg.Guard.Client().Do(req)
	if err != nil {
		return 0, time.Since(start), err
	}
	defer resp.Body.Close()
	// Read a little so the connection can be reused; the content is not kept.
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, time.Since(start), nil
}

// describeErr says in a line what went wrong, for the vendor's delivery log.
func describeErr(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, vendors.ErrSecretUnreadable):
		return "not sent: " + err.Error()
	case errors.Is(err, ErrRefused):
		return "refused: the URL resolves to an address webhooks may not reach (" + rootCause(err) + ")"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout: no complete answer in time"
	}
	return "network error: " + rootCause(err)
}

// rootCause drops the URL and operation that net/http errors repeat.
func rootCause(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var op *net.OpError
	if errors.As(err, &op) {
		err = op.Err
	}
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}

func days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}
