package vendors

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Delivery states. A delivery is pending until an attempt claims it
// (sending), then delivered, failed for good, or pending again with its next
// attempt time.
const (
	DeliveryPending   = "pending"
	DeliverySending   = "sending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// WebhookDelivery is one event to deliver to one endpoint. The row is the
// truth; delivery jobs carry only its id.
type WebhookDelivery struct {
	ID         int64
	PublicID   string
	VendorID   int64
	EndpointID int64
	// EventID is 0 (NULL) for a test event, named by TestEventID instead.
	EventID     int64
	TestEventID string
	Status      string
	Attempts    int
	// RetryFrom starts the retry window: the creation, or the last resend.
	RetryFrom      time.Time
	NextAttemptAt  *time.Time
	LastAttemptAt  *time.Time
	LastStatusCode int
	LastError      string
	DeliveredAt    *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// WebhookAttempt is one try at a delivery. StatusCode is 0 when no HTTP
// response came back.
type WebhookAttempt struct {
	ID         int64
	DeliveryID int64
	StatusCode int
	Error      string
	DurationMS int `gorm:"column:duration_ms"`
	CreatedAt  time.Time
}

// DeliveryView is a delivery as the vendor sees it: with its event's type
// and public id, and its latest attempts, newest first.
type DeliveryView struct {
	WebhookDelivery
	EventType     string
	EventPublicID string
	Log           []WebhookAttempt
}

// maxAttemptsShown bounds the attempt log of one delivery in a listing.
const maxAttemptsShown = 30

// WebhookDeliveries returns the deliveries of one of the vendor's endpoints,
// newest first, older than the cursor id beforeID (0: from the newest), and
// whether more follow.
func (s *Store) WebhookDeliveries(ctx context.Context, vendorID int64, endpointID string, beforeID int64, limit int) ([]DeliveryView, bool, error) {
	ep, err := s.GetWebhookEndpoint(ctx, vendorID, endpointID)
	if err != nil {
		return nil, false, err
	}
	q := s.db.WithContext(ctx).Where("vendor_id = ? AND endpoint_id = ?", vendorID, ep.ID)
	if beforeID > 0 {
		q = q.Where("id < ?", beforeID)
	}
	var ds []WebhookDelivery
	if err := q.Order("id DESC").Limit(limit + 1).Find(&ds).Error; err != nil {
		return nil, false, fmt.Errorf("vendors: list webhook deliveries: %w", err)
	}
	more := len(ds) > limit
	if more {
		ds = ds[:limit]
	}
	views, err := s.deliveryViews(ctx, vendorID, ds)
	return views, more, err
}

// deliveryViews adds event types and attempt logs to deliveries of the vendor.
func (s *Store) deliveryViews(ctx context.Context, vendorID int64, ds []WebhookDelivery) ([]DeliveryView, error) {
	if len(ds) == 0 {
		return []DeliveryView{}, nil
	}
	ids, eventIDs := make([]int64, len(ds)), make([]int64, len(ds))
	for i, d := range ds {
		ids[i], eventIDs[i] = d.ID, d.EventID
	}
	var evs []Event
	if err := s.db.WithContext(ctx).Select("id", "type", "public_id").Where("vendor_id = ? AND id IN ?", vendorID, eventIDs).Find(&evs).Error; err != nil {
		return nil, fmt.Errorf("vendors: delivery events: %w", err)
	}
	byID := make(map[int64]Event, len(evs))
	for _, e := range evs {
		byID[e.ID] = e
	}
	var atts []WebhookAttempt
	if err := s.db.WithContext(ctx).Where("delivery_id IN ?", ids).Order("id DESC").Find(&atts).Error; err != nil {
		return nil, fmt.Errorf("vendors: delivery attempts: %w", err)
	}
	logs := map[int64][]WebhookAttempt{}
	for _, a := range atts {
		if len(logs[a.DeliveryID]) < maxAttemptsShown {
			logs[a.DeliveryID] = append(logs[a.DeliveryID], a)
		}
	}
	views := make([]DeliveryView, len(ds))
	for i, d := range ds {
		e := byID[d.EventID]
		views[i] = DeliveryView{WebhookDelivery: d, EventType: e.Type, EventPublicID: e.PublicID, Log: logs[d.ID]}
		if d.TestEventID != "" {
			views[i].EventType = EventWebhookTest
		}
	}
	return views, nil
}

// ResendWebhookDelivery queues a delivery of the vendor's endpoint for a new
// attempt now, with a fresh retry window.
func (s *Store) ResendWebhookDelivery(ctx context.Context, vendorID int64, endpointID, deliveryID string) (DeliveryView, error) {
	ep, err := s.GetWebhookEndpoint(ctx, vendorID, endpointID)
	if err != nil {
		return DeliveryView{}, err
	}
	var d WebhookDelivery
	err = s.db.WithContext(ctx).Where("vendor_id = ? AND endpoint_id = ? AND public_id = ?", vendorID, ep.ID, deliveryID).Take(&d).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return DeliveryView{}, ErrNotFound
	}
	if err != nil {
		return DeliveryView{}, fmt.Errorf("vendors: get webhook delivery: %w", err)
	}
	if ep.Status != EndpointEnabled {
		return DeliveryView{}, Invalid("endpoint", "is disabled ("+ep.DisabledReason+`): enable it first with {"disabled": false}`)
	}
	now := s.clock()
	res := s.db.WithContext(ctx).Model(&WebhookDelivery{}).
		Where("id = ? AND vendor_id = ? AND status <> ?", d.ID, vendorID, DeliverySending).
		Updates(map[string]any{"status": DeliveryPending, "retry_from": now, "next_attempt_at": now, "updated_at": now})
	if res.Error != nil {
		return DeliveryView{}, fmt.Errorf("vendors: resend webhook delivery: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return DeliveryView{}, Invalid("delivery_id", "is being sent right now; look at its attempts in a minute")
	}
	if err := s.db.WithContext(ctx).Where("id = ?", d.ID).Take(&d).Error; err != nil {
		return DeliveryView{}, fmt.Errorf("vendors: get webhook delivery: %w", err)
	}
	views, err := s.deliveryViews(ctx, vendorID, []WebhookDelivery{d})
	if err != nil {
		return DeliveryView{}, err
	}
	return views[0], nil
}

// FanOutWebhooks creates a pending delivery of every event after each
// enabled endpoint's cursor that the endpoint subscribes to, and returns how
// many it created. It reads the feed GET /v1/events reads, by feed position
// (see Store.sequence): an event committing late still lands after the
// cursor, so no grace period is needed and none is skipped.
func (s *Store) FanOutWebhooks(ctx context.Context, now time.Time, batch int) (int, error) {
	if err := s.sequenceAll(ctx); err != nil {
		return 0, err
	}
	var eps []WebhookEndpoint
	err := s.db.WithContext(ctx).Where("status = ? AND EXISTS (SELECT 1 FROM events WHERE events.vendor_id = webhook_endpoints.vendor_id AND events.feed_pos > webhook_endpoints.event_cursor)",
		EndpointEnabled).Order("id").Find(&eps).Error
	if err != nil {
		return 0, fmt.Errorf("vendors: endpoints to fan out: %w", err)
	}
	created := 0
	for _, ep := range eps {
		n, err := s.fanOut(ctx, ep, now, batch)
		if err != nil {
			return created, err
		}
		created += n
	}
	return created, nil
}

func (s *Store) fanOut(ctx context.Context, ep WebhookEndpoint, now time.Time, batch int) (int, error) {
	var evs []Event
	err := s.db.WithContext(ctx).Select("id", "feed_pos", "type").Where("vendor_id = ? AND feed_pos > ?", ep.VendorID, ep.EventCursor).
		Order("feed_pos").Limit(batch).Find(&evs).Error
	if err != nil {
		return 0, fmt.Errorf("vendors: events to fan out: %w", err)
	}
	if len(evs) == 0 {
		return 0, nil
	}
	var ds []WebhookDelivery
	for _, e := range evs {
		if ep.Wants(e.Type) {
			ds = append(ds, WebhookDelivery{
				PublicID: "wd_" + randomBase62(24), VendorID: ep.VendorID, EndpointID: ep.ID, EventID: e.ID,
				Status: DeliveryPending, RetryFrom: now, NextAttemptAt: &now, CreatedAt: now, UpdatedAt: now,
			})
		}
	}
	cursor := evs[len(evs)-1].Pos
	var created int64
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if len(ds) > 0 {
			res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "endpoint_id"}, {Name: "event_id"}}, DoNothing: true}).Create(&ds)
			if res.Error != nil {
				return res.Error
			}
			created = res.RowsAffected
		}
		// Another pass may have moved the cursor meanwhile: never move it back.
		return tx.Model(&WebhookEndpoint{}).Where("id = ? AND event_cursor < ?", ep.ID, cursor).
			Updates(map[string]any{"event_cursor": cursor, "updated_at": now}).Error
	})
	if err != nil {
		return 0, fmt.Errorf("vendors: fan out events to endpoint %d: %w", ep.ID, err)
	}
	return int(created), nil
}

// DueDelivery names a delivery whose next attempt is due.
type DueDelivery struct {
	ID            int64
	NextAttemptAt time.Time
}

// DueWebhookDeliveries returns up to limit pending deliveries whose next
// attempt is due at now, the most overdue first, after returning to pending
// those left sending for longer than stuckAfter (a process died mid-send).
func (s *Store) DueWebhookDeliveries(ctx context.Context, now time.Time, stuckAfter time.Duration, limit int) ([]DueDelivery, error) {
	db := s.db.WithContext(ctx)
	err := db.Model(&WebhookDelivery{}).Where("status = ? AND updated_at < ?", DeliverySending, now.Add(-stuckAfter)).
		Updates(map[string]any{"status": DeliveryPending, "next_attempt_at": now, "updated_at": now}).Error
	if err != nil {
		return nil, fmt.Errorf("vendors: rescue stuck webhook deliveries: %w", err)
	}
	var ds []WebhookDelivery
	err = db.Select("id", "next_attempt_at").Where("status = ? AND next_attempt_at <= ?", DeliveryPending, now).
		Order("next_attempt_at, id").Limit(limit).Find(&ds).Error
	if err != nil {
		return nil, fmt.Errorf("vendors: due webhook deliveries: %w", err)
	}
	out := make([]DueDelivery, len(ds))
	for i, d := range ds {
		out[i] = DueDelivery{ID: d.ID, NextAttemptAt: d.NextAttemptAt.UTC()}
	}
	return out, nil
}

// ClaimedDelivery is a delivery claimed for one attempt, with what the
// attempt needs. Event is zero for a test event (Delivery.TestEventID).
type ClaimedDelivery struct {
	Delivery WebhookDelivery
	Endpoint WebhookEndpoint
	Event    Event
}

// ClaimWebhookDelivery moves a due pending delivery to sending and counts the
// attempt; ok is false when it is not due, already claimed or gone.
func (s *Store) ClaimWebhookDelivery(ctx context.Context, id int64, now time.Time) (ClaimedDelivery, bool, error) {
	db := s.db.WithContext(ctx)
	res := db.Model(&WebhookDelivery{}).Where("id = ? AND status = ? AND next_attempt_at <= ?", id, DeliveryPending, now).
		Updates(map[string]any{"status": DeliverySending, "attempts": gorm.Expr("attempts + 1"), "updated_at": now})
	if res.Error != nil {
		return ClaimedDelivery{}, false, fmt.Errorf("vendors: claim webhook delivery %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return ClaimedDelivery{}, false, nil
	}
	var c ClaimedDelivery
	if err := db.Where("id = ?", id).Take(&c.Delivery).Error; err != nil {
		return ClaimedDelivery{}, false, fmt.Errorf("vendors: load webhook delivery %d: %w", id, err)
	}
	// Both reads are scoped by the delivery's vendor: a delivery never mixes vendors.
	if err := db.Where("id = ? AND vendor_id = ?", c.Delivery.EndpointID, c.Delivery.VendorID).Take(&c.Endpoint).Error; err != nil {
		return ClaimedDelivery{}, false, fmt.Errorf("vendors: load endpoint of delivery %d: %w", id, err)
	}
	if c.Delivery.TestEventID != "" {
		return c, true, nil // a test event has no event row
	}
	if err := db.Where("id = ? AND vendor_id = ?", c.Delivery.EventID, c.Delivery.VendorID).Take(&c.Event).Error; err != nil {
		return ClaimedDelivery{}, false, fmt.Errorf("vendors: load event of delivery %d: %w", id, err)
	}
	return c, true, nil
}

// AttemptOutcome is what one attempt at a delivery came to.
type AttemptOutcome struct {
	Status     string // DeliveryDelivered, DeliveryPending (retry at NextAttemptAt) or DeliveryFailed
	StatusCode int
	Error      string
	Duration   time.Duration
	At         time.Time
	// NextAttemptAt is set when Status is DeliveryPending.
	NextAttemptAt time.Time
	// DisableReason, when set, disables the endpoint and fails its other
	// pending deliveries; Notify asks for the vendor's team to be told.
	DisableReason string
	Notify        bool
}

// SettleWebhookAttempt records the outcome of an attempt on a claimed
// delivery: the delivery row, the attempt log and the endpoint's health. A
// delivery deleted meanwhile (with its endpoint) is left alone.
func (s *Store) SettleWebhookAttempt(ctx context.Context, c ClaimedDelivery, o AttemptOutcome) error {
	d, at := c.Delivery, o.At
	fields := map[string]any{
		"status": o.Status, "last_attempt_at": at, "last_status_code": o.StatusCode, "last_error": o.Error,
		"next_attempt_at": nil, "updated_at": at,
	}
	switch o.Status {
	case DeliveryDelivered:
		fields["delivered_at"] = at
	case DeliveryPending:
		fields["next_attempt_at"] = o.NextAttemptAt
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&WebhookDelivery{}).Where("id = ? AND status = ?", d.ID, DeliverySending).Updates(fields)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		attempt := WebhookAttempt{DeliveryID: d.ID, StatusCode: o.StatusCode, Error: o.Error,
			DurationMS: int(o.Duration.Milliseconds()), CreatedAt: at}
		if err := tx.Create(&attempt).Error; err != nil {
			return err
		}
		ep := tx.Model(&WebhookEndpoint{}).Where("id = ? AND vendor_id = ?", d.EndpointID, d.VendorID)
		if o.Status == DeliveryDelivered {
			return ep.Updates(map[string]any{"last_success_at": at, "updated_at": at}).Error
		}
		if o.DisableReason == "" {
			return nil
		}
		return disableEndpoint(tx, d.VendorID, d.EndpointID, o.DisableReason, o.Notify, at)
	})
	if err != nil {
		return fmt.Errorf("vendors: settle webhook delivery %d: %w", d.ID, err)
	}
	return nil
}

// disableEndpoint disables an enabled endpoint and fails its pending
// deliveries, inside tx.
func disableEndpoint(tx *gorm.DB, vendorID, endpointID int64, reason string, notify bool, at time.Time) error {
	res := tx.Model(&WebhookEndpoint{}).Where("id = ? AND vendor_id = ? AND status = ?", endpointID, vendorID, EndpointEnabled).
		Updates(map[string]any{"status": EndpointDisabled, "disabled_reason": reason, "disabled_at": at,
			"notify_pending": notify, "updated_at": at})
	if res.Error != nil || res.RowsAffected == 0 {
		return res.Error
	}
	return tx.Model(&WebhookDelivery{}).Where("endpoint_id = ? AND vendor_id = ? AND status = ?", endpointID, vendorID, DeliveryPending).
		Updates(map[string]any{"status": DeliveryFailed, "next_attempt_at": nil, "last_error": "endpoint disabled: " + reason, "updated_at": at}).Error
}

// EndpointsToNotify returns disabled endpoints whose vendor's team is still
// to be told.
func (s *Store) EndpointsToNotify(ctx context.Context) ([]WebhookEndpoint, error) {
	var eps []WebhookEndpoint
	err := s.db.WithContext(ctx).Where("status = ? AND notify_pending", EndpointDisabled).Order("id").Find(&eps).Error
	if err != nil {
		return nil, fmt.Errorf("vendors: endpoints to notify: %w", err)
	}
	return eps, nil
}

// ClaimEndpointNotice takes the duty to tell the team about a disabled
// endpoint; false when another process took it. Give it back with
// ReleaseEndpointNotice when telling failed.
func (s *Store) ClaimEndpointNotice(ctx context.Context, vendorID, endpointID int64) (bool, error) {
	res := s.db.WithContext(ctx).Model(&WebhookEndpoint{}).Where("id = ? AND vendor_id = ? AND notify_pending", endpointID, vendorID).
		Update("notify_pending", false)
	if res.Error != nil {
		return false, fmt.Errorf("vendors: claim endpoint notice: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ReleaseEndpointNotice puts back a notice that could not be sent.
func (s *Store) ReleaseEndpointNotice(ctx context.Context, vendorID, endpointID int64) error {
	err := s.db.WithContext(ctx).Model(&WebhookEndpoint{}).Where("id = ? AND vendor_id = ?", endpointID, vendorID).
		Update("notify_pending", true).Error
	if err != nil {
		return fmt.Errorf("vendors: release endpoint notice: %w", err)
	}
	return nil
}
