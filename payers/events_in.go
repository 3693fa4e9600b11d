package payers

import (
	"context"
	"errors"
	"fmt"
	"github.com/duehub/duehub/vendors"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Provider events arrive at least once and out of order. Each is applied in
// its own transaction together with its row in provider_events, so a replay
// (same provider and event id) changes nothing, and a crash half way through
// a batch leaves the rest to the provider's retry.

// EmailEvent is one delivery event from an email provider, already verified
// by the provider's sub-package.
type EmailEvent struct {
	Provider string // "sendgrid"; with EventID, the de-duplication key
	EventID  string
	// Type is delivered, open, click, bounce, dropped, spamreport,
	// unsubscribe, group_unsubscribe; others (processed, deferred…) are
	// recorded and ignored.
	Type  string
	Email string
	// MessageID is the notify message id, "digest-<id>".
	MessageID string
	// ProviderMessageID is the id the provider returned at send time
	// (digests.provider_id), used when MessageID is missing.
	ProviderMessageID string
	Reason            string
	// BounceType tells a hard bounce ("bounce") from a block ("blocked"),
	// which is temporary and suppresses nothing.
	BounceType string
}

// Delivery states written to digests.delivery.
const (
	DeliveryDelivered    = "delivered"
	DeliveryOpened       = "opened"
	DeliveryClicked      = "clicked"
	DeliveryBounced      = "bounced"
	DeliveryBlocked      = "blocked"
	DeliveryDropped      = "dropped"
	DeliveryComplained   = "complained"
	DeliveryUnsubscribed = "unsubscribed"
	DeliveryUndelivered  = "undelivered"
	DeliveryFailed       = "failed"
)

// deliveryRank orders delivery states so that a late event never moves a
// digest backwards: a "delivered" arriving after "opened" is ignored. A
// failure for one recipient of a multi-recipient email does not hide that
// another received it.
var deliveryRank = map[string]int{
	DeliveryBounced: 1, DeliveryBlocked: 1, DeliveryDropped: 1, DeliveryUndelivered: 1, DeliveryFailed: 1,
	DeliveryDelivered: 2, DeliveryOpened: 3, DeliveryClicked: 4,
	DeliveryComplained: 5, DeliveryUnsubscribed: 5,
}

// droppedNotOurAddress are SendGrid drop reasons that say nothing about the
// address (our content, headers or plan), so they suppress nothing.
var droppedNotOurAddress = map[string]bool{
	"spam content":                      true,
	"invalid smtpapi header":            true,
	"recipient list over package quota": true,
}

// emailOutcome is what an email event means: the digest's new delivery state
// and, when the address must get nothing more, the suppression reason.
func emailOutcome(e EmailEvent) (delivery, suppress string) {
	switch e.Type {
	case "delivered":
		return DeliveryDelivered, ""
	case "open":
		return DeliveryOpened, ""
	case "click":
		return DeliveryClicked, ""
	case "bounce":
		if e.BounceType == "blocked" {
			return DeliveryBlocked, ""
		}
		return DeliveryBounced, SuppressBounce
	case "dropped":
		switch r := strings.ToLower(strings.TrimSpace(e.Reason)); {
		case droppedNotOurAddress[r]:
			return DeliveryDropped, ""
		case r == "bounced address":
			return DeliveryDropped, SuppressBounce
		case r == "spam reporting address":
			return DeliveryDropped, SuppressComplaint
		case r == "unsubscribed address":
			return DeliveryDropped, SuppressUnsubscribe
		default:
			return DeliveryDropped, SuppressInvalid
		}
	case "spamreport":
		return DeliveryComplained, SuppressComplaint
	case "unsubscribe", "group_unsubscribe":
		return DeliveryUnsubscribed, SuppressUnsubscribe
	}
	return "", ""
}

// ApplyEmailEvents applies verified email provider events and returns how
// many were new (not replays).
func (s *Store) ApplyEmailEvents(ctx context.Context, events []EmailEvent) (int, error) {
	applied := 0
	for _, e := range events {
		if e.Provider == "" {
			return applied, errors.New("payers: email event without provider")
		}
		fresh := false
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			now := s.now().UTC().Truncate(time.Microsecond)
			var err error
			if fresh, err = recordEvent(tx, e.Provider, e.EventID, now); err != nil || !fresh {
				return err
			}
			delivery, reason := emailOutcome(e)
			if reason != "" {
				detail := strings.TrimSpace(e.Provider + " " + e.Type + ": " + e.Reason)
				if err := suppressIn(tx, "email", strings.ToLower(strings.TrimSpace(e.Email)), reason, detail, now); err != nil {
					return err
				}
			}
			if delivery == "" {
				return nil
			}
			id, err := emailDigestID(tx, e.MessageID, e.ProviderMessageID)
			if err != nil || id == 0 {
				return err
			}
			return setDelivery(tx, id, delivery, now)
		})
		if err != nil {
			return applied, fmt.Errorf("payers: apply %s event %q: %w", e.Provider, e.EventID, err)
		}
		if fresh {
			applied++
		}
	}
	return applied, nil
}

// smsSuppressCodes are Twilio error codes after which a number must not be
// texted again (the same the sender suppresses on).
var smsSuppressCodes = map[string]string{
	"21610": SuppressSMSStop, // the recipient replied STOP
	"21211": SuppressInvalid, // invalid 'To' number
	"21614": SuppressInvalid, // 'To' is not a mobile number
}

// ApplySMSStatus applies a verified SMS status callback: the final status of
// the message with the provider id messageSID. A suppressing error code
// suppresses the digest's number. Callbacks for messages that are not
// digests, and intermediate statuses, change nothing.
func (s *Store) ApplySMSStatus(ctx context.Context, messageSID, status, errorCode string) error {
	var delivery string
	switch status {
	case "delivered":
		delivery = DeliveryDelivered
	case "undelivered":
		delivery = DeliveryUndelivered
	case "failed":
		delivery = DeliveryFailed
	}
	reason := smsSuppressCodes[errorCode]
	if messageSID == "" || (delivery == "" && reason == "") {
		return nil
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.now().UTC().Truncate(time.Microsecond)
		// Twilio's signature has no timestamp: without this, a recorded
		// 21610 callback replayed after the payer sent START would
		// suppress the number again.
		fresh, err := recordEvent(tx, "twilio", "status:"+messageSID+":"+status, now)
		if err != nil || !fresh {
			return err
		}
		var d ledgerDelivery
		err = tx.Where("provider_id = ? AND channel = ?", messageSID, "sms").Take(&d).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if reason != "" {
			for _, number := range strings.Split(d.Recipients, ",") {
				if number = strings.TrimSpace(number); number != "" {
					if err := suppressIn(tx, "sms", number, reason, "twilio error "+errorCode, now); err != nil {
						return err
					}
				}
			}
		}
		if delivery == "" {
			return nil
		}
		return setDelivery(tx, d.ID, delivery, now)
	})
	if err != nil {
		return fmt.Errorf("payers: apply sms status of %q: %w", messageSID, err)
	}
	return nil
}

// ApplyInboundSMS applies a verified inbound SMS whose keyword (stop, start,
// help or "") the provider package has classified: stop suppresses the
// sender's number, start lifts it. messageSID de-duplicates: a replayed STOP
// cannot undo a later START, nor the reverse.
func (s *Store) ApplyInboundSMS(ctx context.Context, messageSID, from, keyword string) error {
	from = strings.TrimSpace(from)
	if from == "" || (keyword != "stop" && keyword != "start") {
		return nil
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.now().UTC().Truncate(time.Microsecond)
		id := ""
		if messageSID != "" {
			id = "inbound:" + messageSID
		}
		fresh, err := recordEvent(tx, "twilio", id, now)
		if err != nil || !fresh {
			return err
		}
		if keyword == "stop" {
			return suppressIn(tx, "sms", from, SuppressSMSStop, "replied STOP", now)
		}
		return tx.Where("channel = ? AND address = ?", "sms", from).Delete(&Suppression{}).Error
	})
	if err != nil {
		return fmt.Errorf("payers: apply inbound sms: %w", err)
	}
	return nil
}

// providerEvent marks one provider event as applied.
type providerEvent struct {
	Provider  string `gorm:"primaryKey"`
	EventID   string `gorm:"primaryKey"`
	CreatedAt time.Time
}

func (providerEvent) TableName() string { return "provider_events" }

// recordEvent claims (provider, id) and reports whether it is new. An event
// without an id cannot be de-duplicated and is applied: each effect on its
// own is idempotent; only the order of replays could hurt.
func recordEvent(tx *gorm.DB, provider, id string, now time.Time) (bool, error) {
	if id == "" {
		return true, nil
	}
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&providerEvent{Provider: provider, EventID: id, CreatedAt: now})
	if res.Error != nil {
		return false, fmt.Errorf("record event: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

func suppressIn(tx *gorm.DB, channel, address, reason, detail string, now time.Time) error {
	if address == "" {
		return nil
	}
	if len(detail) > 500 {
		detail = detail[:500]
	}
	sup := Suppression{Channel: channel, Address: address, Reason: reason, Detail: detail, CreatedAt: now}
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&sup)
	if res.Error != nil {
		return fmt.Errorf("suppress: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil // already suppressed: the vendors were told then
	}
	return tellVendorsOfSuppression(tx, channel, address, reason, now)
}

// tellVendorsOfSuppression writes contact.bounced (a dead address) or
// contact.unsubscribed (an opt-out) for each vendor whose own customer
// records use the address, naming only that vendor's customers.
func tellVendorsOfSuppression(tx *gorm.DB, channel, address, reason string, now time.Time) error {
	column := "email"
	if channel == "sms" {
		column = "phone"
	}
	var custs []struct {
		VendorID   int64
		ExternalID string
	}
	err := tx.Table("customers").Select("vendor_id", "external_id").Where(column+" = ?", address).
		Order("vendor_id, external_id").Scan(&custs).Error
	if err != nil {
		return fmt.Errorf("suppress: find customers: %w", err)
	}
	typ := vendors.EventContactUnsubscribe
	if reason == SuppressBounce || reason == SuppressInvalid {
		typ = vendors.EventContactBounced
	}
	for i := 0; i < len(custs); {
		j, ids := i, []string{}
		for ; j < len(custs) && custs[j].VendorID == custs[i].VendorID; j++ {
			ids = append(ids, custs[j].ExternalID)
		}
		err := vendors.WriteEvent(tx, custs[i].VendorID, typ, map[string]any{
			"channel": channel, "address": address, "reason": reason, "customers": ids,
		}, now)
		if err != nil {
			return err
		}
		i = j
	}
	return nil
}

// ledgerDelivery is the part of a digest ledger row provider events touch.
type ledgerDelivery struct {
	ID         int64
	Channel    string
	Recipients string
	Delivery   string
}

func (ledgerDelivery) TableName() string { return "digests" }

// emailDigestID finds the email digest an event is about: by our message id
// "digest-<id>", else by the provider's id. 0 means none.
func emailDigestID(tx *gorm.DB, messageID, providerMessageID string) (int64, error) {
	q := tx.Model(&ledgerDelivery{}).Where("channel = ?", "email")
	n, ok := strings.CutPrefix(messageID, "digest-")
	id, err := strconv.ParseInt(n, 10, 64)
	switch {
	case ok && err == nil:
		q = q.Where("id = ?", id)
	case providerMessageID != "":
		q = q.Where("provider_id = ?", providerMessageID)
	default:
		return 0, nil
	}
	var ids []int64
	if err := q.Order("id").Limit(1).Pluck("id", &ids).Error; err != nil {
		return 0, fmt.Errorf("find digest: %w", err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	return ids[0], nil
}

// setDelivery moves the digest's delivery state forward, never back. The
// condition is in the UPDATE so that concurrent events cannot race.
func setDelivery(tx *gorm.DB, digestID int64, state string, now time.Time) error {
	rank := deliveryRank[state]
	notBelow := []string{state}
	for s, r := range deliveryRank {
		if r >= rank {
			notBelow = append(notBelow, s)
		}
	}
	err := tx.Model(&ledgerDelivery{}).Where("id = ? AND delivery NOT IN ?", digestID, notBelow).
		Updates(map[string]any{"delivery": state, "updated_at": now}).Error
	if err != nil {
		return fmt.Errorf("set delivery: %w", err)
	}
	return nil
}
