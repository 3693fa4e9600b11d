package vendors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Event types written for vendors.
const (
	EventDigestDelivered    = "digest.delivered"
	EventContactBounced     = "contact.bounced"
	EventContactUnsubscribe = "contact.unsubscribed"

	// Issue 13: the payer stopped or restarted reminders of the vendor's
	// invoices (a mute is of one vendor, a pause of every vendor).
	EventPayerMuted   = "payer.muted"
	EventPayerUnmuted = "payer.unmuted"
	EventPayerPaused  = "payer.paused"
	EventPayerResumed = "payer.resumed"
)

// Event is something a vendor should learn about, read by cursor and
// delivered by webhook. Its payload holds only this vendor's data.
//
// Events are written inside the transactions of the actions they report (a
// dispute, a credit applied, a bounce), so on PostgreSQL they commit in any
// order, not in id order: a reader past id 12 would never see an id 11 that
// commits late. Every reader therefore reads by Pos, the event's place in
// its vendor's feed, given after commit by the sequencer (see sequence).
type Event struct {
	ID int64
	// PublicID is the only id the vendor sees: "evt_" and 24 random base62
	// characters (events older than the gap-free feed keep "evt_<id>").
	PublicID string
	VendorID int64
	Type     string
	Payload  string // JSON
	// Pos is the event's place in its vendor's feed; 0 until the sequencer
	// has given it one. Never written by Create.
	Pos       int64 `gorm:"column:feed_pos;->"`
	CreatedAt time.Time
}

// EventIDPrefix starts every public event id.
const EventIDPrefix = "evt_"

// BeforeCreate gives every event a random public id, whoever writes it
// (the payer actions write events with tx.Create inside their own
// transactions), so that ids say nothing of other vendors' activity.
func (e *Event) BeforeCreate(*gorm.DB) error {
	if e.PublicID == "" {
		e.PublicID = EventIDPrefix + randomBase62(24)
	}
	return nil
}

// sequenceBatch bounds the events one sequencer run numbers; a run that
// fills it goes on with another.
const sequenceBatch = 1000

// eventsLockClass is the first key of the per-vendor advisory lock of the
// sequencer ("evnt"), the second being the vendor id.
const eventsLockClass = 0x65766e74

// sequence gives every committed event of the vendor that has no feed
// position one, in id order. Runs for one vendor are serialized by an
// advisory lock held until the run commits, and draw their numbers from a
// sequence after the lock, so a run's positions are all greater than the
// previous run's and become visible only after them: the positions a
// reader can see are always a prefix of the vendor's feed, and a cursor
// never steps over an event that commits late. An event whose transaction
// is still running is invisible here and gets a position in a later run.
//
// We chose this over ordering by the writing transaction's id
// (pg_current_xact_id, read below pg_snapshot_xmin): that holds every
// vendor's feed back behind any long transaction in the whole PostgreSQL
// cluster, other databases included, so a vendor's own committed action can
// stay unreadable for as long as someone else's transaction runs, and xids
// do not survive a dump restored into a fresh cluster. The sequencer costs
// a second write of each event, done by the first reader after commit.
//
// SQLite has one writer at a time: ids are handed out in commit order, so
// an event's id is its position.
func (s *Store) sequence(ctx context.Context, vendorID int64) error {
	db := s.db.WithContext(ctx)
	for {
		var pending []int64
		err := db.Model(&Event{}).Where("vendor_id = ? AND feed_pos IS NULL", vendorID).Limit(1).Pluck("id", &pending).Error
		if err != nil {
			return fmt.Errorf("vendors: sequence events: %w", err)
		}
		if len(pending) == 0 {
			return nil
		}
		var n int64
		err = db.Transaction(func(tx *gorm.DB) error {
			var res *gorm.DB
			if tx.Dialector.Name() == "postgres" {
				if err := tx.Exec("SELECT pg_advisory_xact_lock(?, ?)", eventsLockClass, int32(vendorID)).Error; err != nil {
					return err
				}
				// nextval is taken row by row over the ids in order: one
				// transaction's events keep their order.
				res = tx.Exec(`UPDATE events SET feed_pos = q.pos FROM (
  SELECT id, nextval('events_feed_seq') AS pos FROM (
    SELECT id FROM events WHERE vendor_id = ? AND feed_pos IS NULL ORDER BY id LIMIT ?) AS ids) AS q
WHERE events.id = q.id`, vendorID, sequenceBatch)
			} else {
				res = tx.Exec(`UPDATE events SET feed_pos = id WHERE id IN (
  SELECT id FROM events WHERE vendor_id = ? AND feed_pos IS NULL ORDER BY id LIMIT ?)`, vendorID, sequenceBatch)
			}
			n = res.RowsAffected
			return res.Error
		})
		if err != nil {
			return fmt.Errorf("vendors: sequence events: %w", err)
		}
		if n < sequenceBatch {
			return nil
		}
	}
}

// sequenceAll runs the sequencer for every vendor with events to number.
func (s *Store) sequenceAll(ctx context.Context) error {
	var vendorIDs []int64
	err := s.db.WithContext(ctx).Model(&Event{}).Distinct("vendor_id").Where("feed_pos IS NULL").Pluck("vendor_id", &vendorIDs).Error
	if err != nil {
		return fmt.Errorf("vendors: events to sequence: %w", err)
	}
	for _, v := range vendorIDs {
		if err := s.sequence(ctx, v); err != nil {
			return err
		}
	}
	return nil
}

// RecordEvent stores an event for the vendor; payload is marshalled to JSON.
func (s *Store) RecordEvent(ctx context.Context, vendorID int64, typ string, payload any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("vendors: event payload: %w", err)
	}
	e := Event{VendorID: vendorID, Type: typ, Payload: string(b), CreatedAt: s.clock()}
	if err := s.db.WithContext(ctx).Create(&e).Error; err != nil {
		return fmt.Errorf("vendors: record event: %w", err)
	}
	return nil
}

// Events returns up to limit of the vendor's events after the feed position
// afterPos (0: from the first), oldest first. Every event committed before
// the call is in the feed.
func (s *Store) Events(ctx context.Context, vendorID, afterPos int64, limit int) ([]Event, error) {
	if err := s.sequence(ctx, vendorID); err != nil {
		return nil, err
	}
	var evs []Event
	err := s.db.WithContext(ctx).Where("vendor_id = ? AND feed_pos > ?", vendorID, afterPos).
		Order("feed_pos").Limit(limit).Find(&evs).Error
	if err != nil {
		return nil, fmt.Errorf("vendors: events: %w", err)
	}
	return evs, nil
}

// EventPos returns the feed position of the vendor's event with this public
// id; ErrNotFound when the vendor has no such event in its feed.
func (s *Store) EventPos(ctx context.Context, vendorID int64, publicID string) (int64, error) {
	for sequenced := false; ; sequenced = true {
		var e Event
		err := s.db.WithContext(ctx).Select("id", "feed_pos").Where("vendor_id = ? AND public_id = ?", vendorID, publicID).Take(&e).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return 0, ErrNotFound
		}
		if err != nil {
			return 0, fmt.Errorf("vendors: event position: %w", err)
		}
		if e.Pos != 0 || sequenced {
			return e.Pos, nil
		}
		// Committed but not numbered yet (an id learnt from elsewhere than
		// the feed): number it now.
		if err := s.sequence(ctx, vendorID); err != nil {
			return 0, err
		}
	}
}

// feedEnd returns the feed position of the vendor's last event (0 when it
// has none), numbering first what is committed: a reader starting there gets
// every event committed later, and those whose transactions run now.
func (s *Store) feedEnd(ctx context.Context, vendorID int64) (int64, error) {
	if err := s.sequence(ctx, vendorID); err != nil {
		return 0, err
	}
	var last struct{ Pos int64 }
	err := s.db.WithContext(ctx).Model(&Event{}).Select("COALESCE(MAX(feed_pos), 0) AS pos").Where("vendor_id = ?", vendorID).Scan(&last).Error
	if err != nil {
		return 0, fmt.Errorf("vendors: end of the event feed: %w", err)
	}
	return last.Pos, nil
}

// ValidEventID reports whether s has the form of a public event id:
// "evt_" and 1 to 64 ASCII letters and digits.
func ValidEventID(s string) bool {
	rest, ok := strings.CutPrefix(s, EventIDPrefix)
	if !ok || rest == "" || len(rest) > 64 {
		return false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// WriteEvent writes an event for a vendor inside tx, so the vendor
// hears of an action exactly when it is stored. The payload holds only this
// vendor's data.
func WriteEvent(tx *gorm.DB, vendorID int64, typ string, payload map[string]any, now time.Time) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("event payload: %w", err)
	}
	if err := tx.Create(&Event{VendorID: vendorID, Type: typ, Payload: string(b), CreatedAt: now}).Error; err != nil {
		return fmt.Errorf("record %s: %w", typ, err)
	}
	return nil
}
