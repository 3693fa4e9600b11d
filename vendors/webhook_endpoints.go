package vendors

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"gorm.io/gorm"
)

// Webhook endpoint states. A disabled endpoint gets no new deliveries; the
// vendor enables it again (UpdateWebhookEndpoint) once the receiver is fixed.
const (
	EndpointEnabled  = "enabled"
	EndpointDisabled = "disabled"
)

// MaxWebhookEndpoints is how many endpoints one vendor may register.
const MaxWebhookEndpoints = 20

// EventTypes lists every event type a webhook endpoint may subscribe to.
// A new event type must be added here to be subscribable by name.
var EventTypes = []string{
	"question.created", "dispute.created", "thread.message", "thread.resolved",
	"credit.applied", "promise.created", "promise.broken", "payment.reported", "payment.confirmed", "pay.clicked",
	EventDigestDelivered, EventContactBounced, EventContactUnsubscribe,
	EventPayerMuted, EventPayerUnmuted, EventPayerPaused, EventPayerResumed, // issue 13
	"payment.received", "payment.refunded", // issue 17: paid through the Stripe checkout
}

// EventWebhookTest is the type of the test event a vendor sends to one
// endpoint. It is never recorded in the vendor's events feed and is not
// subscribable.
const EventWebhookTest = "webhook.test"

// WebhookEndpoint is a URL where a vendor receives its events, signed with
// its secret. PublicID is the only id the vendor ever sees.
type WebhookEndpoint struct {
	ID          int64
	PublicID    string
	VendorID    int64
	URL         string
	Description string
	EventTypes  string // comma-separated; empty means every type
	// Secret is the signing secret in plain text, set only by
	// CreateWebhookEndpoint and RollWebhookSecret: it is stored sealed.
	Secret string `gorm:"-"`
	// SealedSecret is the signing secret as stored (see secretBox), and
	// PreviousSealedSecret the one it replaced, which also signs until
	// PreviousSecretExpiresAt.
	SealedSecret            string `gorm:"column:secret"`
	PreviousSealedSecret    string `gorm:"column:previous_secret"`
	PreviousSecretExpiresAt *time.Time
	Status                  string
	DisabledReason          string
	// EventCursor is the feed position (Event.Pos) of the last event fanned
	// out into deliveries.
	EventCursor   int64
	LastSuccessAt *time.Time
	DisabledAt    *time.Time
	// NotifyPending means the vendor's team is still to be told that the
	// endpoint was disabled.
	NotifyPending bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Types returns the subscribed event types; none means all.
func (e WebhookEndpoint) Types() []string {
	if e.EventTypes == "" {
		return []string{}
	}
	return strings.Split(e.EventTypes, ",")
}

// Wants reports whether the endpoint subscribes to events of type typ.
func (e WebhookEndpoint) Wants(typ string) bool {
	return e.EventTypes == "" || slices.Contains(e.Types(), typ)
}

// NewWebhookEndpoint is what a vendor gives to register an endpoint. The
// URL's target (https, no private address) is checked by the caller, which
// knows the hub's outbound policy.
type NewWebhookEndpoint struct {
	URL         string
	EventTypes  []string
	Description string
}

func (in NewWebhookEndpoint) validate() (WebhookEndpoint, error) {
	var fe fieldErrors
	e := WebhookEndpoint{URL: strings.TrimSpace(in.URL), Description: strings.TrimSpace(in.Description)}
	if msg := checkEndpointURL(e.URL); msg != "" {
		fe.add("url", msg)
	}
	checkDescription(&fe, e.Description)
	e.EventTypes = eventTypeList(&fe, in.EventTypes)
	if len(fe) > 0 {
		return e, &ValidationError{Fields: fe}
	}
	return e, nil
}

func checkDescription(fe *fieldErrors, d string) {
	if len([]rune(d)) > 500 || strings.IndexFunc(d, unicode.IsControl) >= 0 {
		fe.add("description", "must be at most 500 characters, without control characters")
	}
}

// eventTypeList checks subscribed types and returns them sorted, without
// repeats, comma-separated.
func eventTypeList(fe *fieldErrors, in []string) string {
	var types []string
	for i, t := range in {
		if !slices.Contains(EventTypes, t) {
			fe.add(fmt.Sprintf("event_types[%d]", i), fmt.Sprintf("%q is not an event type; known types: %s", t, strings.Join(EventTypes, ", ")))
			continue
		}
		if !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	slices.Sort(types)
	return strings.Join(types, ",")
}

// checkEndpointURL checks the form of a URL; "" when it is acceptable.
func checkEndpointURL(raw string) string {
	if raw == "" {
		return "is required"
	}
	if len(raw) > maxURL {
		return fmt.Sprintf("must be at most %d characters", maxURL)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Hostname() == "" || u.Opaque != "" {
		return "must be an absolute https URL like https://hooks.example.com/duehub"
	}
	if u.Fragment != "" {
		return "must not have a #fragment"
	}
	return ""
}

// CreateWebhookEndpoint registers an endpoint and returns it with its
// signing secret, which is never shown again. It receives the events
// recorded from now on.
func (s *Store) CreateWebhookEndpoint(ctx context.Context, vendorID int64, in NewWebhookEndpoint) (WebhookEndpoint, error) {
	if s.secrets == nil {
		return WebhookEndpoint{}, errNoSecretKey
	}
	e, err := in.validate()
	if err != nil {
		return WebhookEndpoint{}, err
	}
	now := s.clock()
	e.VendorID, e.Status, e.CreatedAt, e.UpdatedAt = vendorID, EndpointEnabled, now, now
	e.PublicID = "we_" + randomBase62(24)
	e.Secret = newSigningSecret()
	e.SealedSecret = s.secrets.seal(e.Secret, e.PublicID)
	// Read before the transaction: numbering the feed takes a transaction of its own.
	if e.EventCursor, err = s.feedEnd(ctx, vendorID); err != nil {
		return WebhookEndpoint{}, err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&WebhookEndpoint{}).Where("vendor_id = ?", vendorID).Count(&n).Error; err != nil {
			return err
		}
		if n >= MaxWebhookEndpoints {
			return Invalid("url", fmt.Sprintf("you already have %d endpoints, the most allowed: delete one first", n))
		}
		return tx.Create(&e).Error
	})
	var ve *ValidationError
	if errors.As(err, &ve) {
		return WebhookEndpoint{}, err
	}
	if err != nil {
		return WebhookEndpoint{}, fmt.Errorf("vendors: create webhook endpoint: %w", err)
	}
	return e, nil
}

func newSigningSecret() string { return "whsec_" + randomBase62(40) }

// WebhookEndpoints returns the vendor's endpoints, oldest first.
func (s *Store) WebhookEndpoints(ctx context.Context, vendorID int64) ([]WebhookEndpoint, error) {
	var es []WebhookEndpoint
	if err := s.db.WithContext(ctx).Where("vendor_id = ?", vendorID).Order("id").Find(&es).Error; err != nil {
		return nil, fmt.Errorf("vendors: list webhook endpoints: %w", err)
	}
	return es, nil
}

// GetWebhookEndpoint returns one of the vendor's endpoints by its public id.
func (s *Store) GetWebhookEndpoint(ctx context.Context, vendorID int64, publicID string) (WebhookEndpoint, error) {
	var e WebhookEndpoint
	err := s.db.WithContext(ctx).Where("vendor_id = ? AND public_id = ?", vendorID, publicID).Take(&e).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return WebhookEndpoint{}, ErrNotFound
	}
	if err != nil {
		return WebhookEndpoint{}, fmt.Errorf("vendors: get webhook endpoint: %w", err)
	}
	return e, nil
}

// DeleteWebhookEndpoint removes the endpoint with its deliveries and their
// attempts (ON DELETE CASCADE). A delivery being sent at that moment is
// still sent, but its outcome is not recorded.
func (s *Store) DeleteWebhookEndpoint(ctx context.Context, vendorID int64, publicID string) error {
	res := s.db.WithContext(ctx).Where("vendor_id = ? AND public_id = ?", vendorID, publicID).Delete(&WebhookEndpoint{})
	if res.Error != nil {
		return fmt.Errorf("vendors: delete webhook endpoint: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// randomBase62 returns n uniformly random base62 characters.
func randomBase62(n int) string {
	b := make([]byte, 0, n)
	buf := make([]byte, 1)
	for len(b) < n {
		rand.Read(buf)
		if buf[0] < 248 { // 248 = 62*4: rejection sampling keeps characters equally likely
			b = append(b, base62[buf[0]%62])
		}
	}
	return string(b)
}
