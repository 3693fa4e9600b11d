package webhooks

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/vendors"
)

// Config wires a Dispatcher.
type Config struct {
	Vendors *vendors.Store
	Guard   *Guard
	// Mailer tells a vendor's team (its support email) that an endpoint was
	// disabled, from MailFrom; nil only logs it.
	Mailer   notify.Sender
	MailFrom string
	// Schedule of retries (zero: DefaultSchedule).
	Schedule Schedule
	Now      func() time.Time
	// Rand returns jitter in [0, 1) (nil: math/rand/v2).
	Rand func() float64
	Log  *slog.Logger
}

// Dispatcher turns events into delivery rows and works them.
type Dispatcher struct {
	cfg Config
}

// New returns a Dispatcher.
func New(cfg Config) *Dispatcher {
	if cfg.Schedule == (Schedule{}) {
		cfg.Schedule = DefaultSchedule
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Dispatcher{cfg: cfg}
}

// fanOutBatch bounds the events one endpoint takes per pass.
const fanOutBatch = 500

// FanOut creates the deliveries of events committed since the last pass and
// returns how many. It reads the feed GET /v1/events reads, by feed position
// (gap-free), so no grace period for events committing late is needed.
func (d *Dispatcher) FanOut(ctx context.Context) (int, error) {
	return d.cfg.Vendors.FanOutWebhooks(ctx, d.now(), fanOutBatch)
}

// Due returns up to limit deliveries whose next attempt is due, first
// returning to pending those a dead process left sending.
func (d *Dispatcher) Due(ctx context.Context, limit int) ([]vendors.DueDelivery, error) {
	// An attempt takes at most the client's timeout; twice a generous one is stuck.
	return d.cfg.Vendors.DueWebhookDeliveries(ctx, d.now(), 2*time.Minute, limit)
}

// Result is what Deliver did.
type Result struct {
	// Attempted is false when the delivery was not due, already being sent
	// or gone: nothing was sent.
	Attempted bool
	// Status is vendors.DeliveryDelivered, DeliveryPending (retry at
	// NextAttemptAt) or DeliveryFailed.
	Status        string
	NextAttemptAt time.Time
}

// Deliver makes one attempt at a due delivery and records its outcome. An
// error means the outcome could not be recorded; a failed attempt is not an
// error.
func (d *Dispatcher) Deliver(ctx context.Context, id int64) (Result, error) {
	c, ok, err := d.cfg.Vendors.ClaimWebhookDelivery(ctx, id, d.now())
	if err != nil || !ok {
		return Result{}, err
	}
	var o vendors.AttemptOutcome
	if c.Endpoint.Status != vendors.EndpointEnabled {
		o = vendors.AttemptOutcome{Status: vendors.DeliveryFailed, Error: "endpoint disabled: " + c.Endpoint.DisabledReason, At: d.now()}
	} else {
		o = d.attempt(ctx, c)
	}
	if err := d.cfg.Vendors.SettleWebhookAttempt(ctx, c, o); err != nil {
		return Result{}, err
	}
	log := d.cfg.Log.With(slog.Int64("delivery", c.Delivery.ID), slog.Int64("vendor", c.Delivery.VendorID),
		slog.Int("attempt", c.Delivery.Attempts), slog.String("status", o.Status))
	switch {
	case o.DisableReason != "":
		log.Warn("webhook endpoint disabled", slog.String("endpoint", c.Endpoint.PublicID), slog.String("reason", o.DisableReason))
	case o.Status != vendors.DeliveryDelivered:
		log.Info("webhook delivery failed", slog.Int("code", o.StatusCode), slog.String("err", o.Error))
	}
	if o.Notify {
		if err := d.notifyDisabled(ctx, c.Endpoint); err != nil {
			// The periodic pass tries again.
			log.Warn("telling the vendor's team about a disabled endpoint", slog.Any("err", err))
		}
	}
	return Result{Attempted: true, Status: o.Status, NextAttemptAt: o.NextAttemptAt}, nil
}

// NotifyDisabled tells vendors' teams about endpoints disabled since the
// last pass, when telling them failed earlier.
func (d *Dispatcher) NotifyDisabled(ctx context.Context) error {
	eps, err := d.cfg.Vendors.EndpointsToNotify(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, ep := range eps {
		errs = append(errs, d.notifyDisabled(ctx, ep))
	}
	return errors.Join(errs...)
}

func (d *Dispatcher) now() time.Time { return d.cfg.Now().UTC().Truncate(time.Microsecond) }
