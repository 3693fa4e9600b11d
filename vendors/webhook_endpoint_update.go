package vendors

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// WebhookEndpointUpdate changes an endpoint; a nil field keeps its value.
// The URL's target is checked by the caller, as at registration.
type WebhookEndpointUpdate struct {
	URL         *string
	EventTypes  *[]string // empty: every type
	Description *string
	// Disabled false enables a disabled endpoint; true disables it.
	Disabled *bool
}

// UpdateWebhookEndpoint changes the URL, subscribed types, description or
// state of one of the vendor's endpoints. Deliveries already queued go to
// the new URL; the types decide which events recorded from now on are queued.
//
// An endpoint enabled again receives the events recorded from then on, like
// a new one: its deliveries that failed, and the events recorded while it was
// disabled, are not sent again by themselves (the events are in the feed;
// a failed delivery can be resent). Disabling fails its pending deliveries.
func (s *Store) UpdateWebhookEndpoint(ctx context.Context, vendorID int64, publicID string, in WebhookEndpointUpdate) (WebhookEndpoint, error) {
	var fe fieldErrors
	fields := map[string]any{}
	if in.URL != nil {
		u := strings.TrimSpace(*in.URL)
		if msg := checkEndpointURL(u); msg != "" {
			fe.add("url", msg)
		}
		fields["url"] = u
	}
	if in.Description != nil {
		d := strings.TrimSpace(*in.Description)
		checkDescription(&fe, d)
		fields["description"] = d
	}
	if in.EventTypes != nil {
		fields["event_types"] = eventTypeList(&fe, *in.EventTypes)
	}
	if len(fe) > 0 {
		return WebhookEndpoint{}, &ValidationError{Fields: fe}
	}
	// Where an enabled-again endpoint starts: read before the transaction,
	// since numbering the feed takes a transaction of its own.
	var enableCursor int64
	if in.Disabled != nil && !*in.Disabled {
		var err error
		if enableCursor, err = s.feedEnd(ctx, vendorID); err != nil {
			return WebhookEndpoint{}, err
		}
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var e WebhookEndpoint
		if err := tx.Where("vendor_id = ? AND public_id = ?", vendorID, publicID).Take(&e).Error; err != nil {
			return err
		}
		now := s.clock()
		if in.Disabled != nil && *in.Disabled && e.Status == EndpointEnabled {
			if err := disableEndpoint(tx, vendorID, e.ID, "disabled by the vendor", false, now); err != nil {
				return err
			}
		}
		if in.Disabled != nil && !*in.Disabled && e.Status == EndpointDisabled {
			fields["status"], fields["disabled_reason"], fields["disabled_at"] = EndpointEnabled, "", nil
			fields["notify_pending"], fields["event_cursor"] = false, enableCursor
		}
		if len(fields) == 0 {
			return nil
		}
		fields["updated_at"] = now
		return tx.Model(&WebhookEndpoint{}).Where("id = ? AND vendor_id = ?", e.ID, vendorID).Updates(fields).Error
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return WebhookEndpoint{}, ErrNotFound
	}
	if err != nil {
		return WebhookEndpoint{}, fmt.Errorf("vendors: update webhook endpoint: %w", err)
	}
	return s.GetWebhookEndpoint(ctx, vendorID, publicID)
}

// MaxSecretOverlap bounds how long a rolled secret keeps signing.
const MaxSecretOverlap = 7 * 24 * time.Hour

// RollWebhookSecret gives the endpoint a new signing secret, returned in
// the endpoint's Secret (never shown again). The secret it replaces keeps
// signing next to it for overlap (0: stops at once); a secret rolled
// earlier and still in its overlap stops now. When the current secret is
// unreadable (DUEHUB_SECRET changed) it does not sign during the overlap.
func (s *Store) RollWebhookSecret(ctx context.Context, vendorID int64, publicID string, overlap time.Duration) (WebhookEndpoint, error) {
	if s.secrets == nil {
		return WebhookEndpoint{}, errNoSecretKey
	}
	if overlap < 0 || overlap > MaxSecretOverlap {
		return WebhookEndpoint{}, Invalid("expires_in", fmt.Sprintf("must be between 0 and %d seconds (7 days)", int(MaxSecretOverlap.Seconds())))
	}
	// Two rolls at once: the loser reads again and rolls after the winner.
	for range 5 {
		e, err := s.GetWebhookEndpoint(ctx, vendorID, publicID)
		if err != nil {
			return WebhookEndpoint{}, err
		}
		now := s.clock()
		secret := newSigningSecret()
		fields := map[string]any{"secret": s.secrets.seal(secret, e.PublicID), "previous_secret": "",
			"previous_secret_expires_at": nil, "updated_at": now}
		if overlap > 0 {
			fields["previous_secret"], fields["previous_secret_expires_at"] = e.SealedSecret, now.Add(overlap)
		}
		res := s.db.WithContext(ctx).Model(&WebhookEndpoint{}).
			Where("id = ? AND vendor_id = ? AND secret = ?", e.ID, vendorID, e.SealedSecret).Updates(fields)
		if res.Error != nil {
			return WebhookEndpoint{}, fmt.Errorf("vendors: roll webhook secret: %w", res.Error)
		}
		if res.RowsAffected == 1 {
			e, err = s.GetWebhookEndpoint(ctx, vendorID, publicID)
			e.Secret = secret
			return e, err
		}
	}
	return WebhookEndpoint{}, fmt.Errorf("vendors: roll webhook secret: %s changed under every try", publicID)
}

// SigningSecrets returns the secrets that sign a delivery to e at now: the
// current one, then the previous one while its overlap lasts. An unreadable
// previous secret is left out; an unreadable current one is an error
// (ErrSecretUnreadable).
func (s *Store) SigningSecrets(e WebhookEndpoint, now time.Time) ([]string, error) {
	if s.secrets == nil {
		return nil, errNoSecretKey
	}
	cur, err := s.secrets.open(e.SealedSecret, e.PublicID)
	if err != nil {
		return nil, err
	}
	out := []string{cur}
	if e.PreviousSealedSecret != "" && e.PreviousSecretExpiresAt != nil && now.Before(*e.PreviousSecretExpiresAt) {
		if prev, err := s.secrets.open(e.PreviousSealedSecret, e.PublicID); err == nil {
			out = append(out, prev)
		}
	}
	return out, nil
}

// SealPlaintextSecrets encrypts the signing secrets stored in plain text
// before secrets were encrypted, and returns how many it sealed. Serve runs
// it at start-up; several processes running it at once is harmless.
func (s *Store) SealPlaintextSecrets(ctx context.Context) (int, error) {
	if s.secrets == nil {
		return 0, errNoSecretKey
	}
	var eps []WebhookEndpoint
	err := s.db.WithContext(ctx).Select("id", "public_id", "secret", "previous_secret").
		Where("secret NOT LIKE ? OR (previous_secret <> '' AND previous_secret NOT LIKE ?)", sealedPrefix+"%", sealedPrefix+"%").
		Order("id").Find(&eps).Error
	if err != nil {
		return 0, fmt.Errorf("vendors: plaintext webhook secrets: %w", err)
	}
	n := 0
	for _, e := range eps {
		for _, col := range []struct{ name, value string }{{"secret", e.SealedSecret}, {"previous_secret", e.PreviousSealedSecret}} {
			if col.value == "" || strings.HasPrefix(col.value, sealedPrefix) {
				continue
			}
			res := s.db.WithContext(ctx).Model(&WebhookEndpoint{}).Where("id = ? AND "+col.name+" = ?", e.ID, col.value).
				Update(col.name, s.secrets.seal(col.value, e.PublicID))
			if res.Error != nil {
				return n, fmt.Errorf("vendors: seal webhook secret of endpoint %d: %w", e.ID, res.Error)
			}
			n += int(res.RowsAffected)
		}
	}
	return n, nil
}
