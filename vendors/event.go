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
)

// Event is something a vendor should learn about, read by cursor and
// delivered by webhook. Its payload holds only this vendor's data.
//
// Events are written inside the transactions of the actions they report
// (a dispute, a credit applied, a bounce), so on PostgreSQL they commit in
// any order, not in id order. Their place in the vendor's feed is therefore
// (Xid, ID), and readers take only settled events (see settled): the feed
// never steps over an event that commits late.
type Event struct {
	ID int64
	// PublicID is the only id the vendor sees: "evt_" and 24 random base62
	// characters (events older than the gap-free feed keep "evt_<id>").
	PublicID string
	VendorID int64
	Type     string
	Payload  string // JSON
	// Xid is the writing transaction's id on PostgreSQL (the column's
	// default, pg_current_xact_id()), 0 on SQLite; never written by Go.
	Xid       uint64 `gorm:"->"`
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

// FeedPos is a place in a vendor's event feed: the writing transaction's id
// (0 on SQLite) and the event's id. The zero FeedPos is before every event.
type FeedPos struct {
	Xid uint64
	ID  int64
}

// Pos returns the event's place in its vendor's feed.
func (e Event) Pos() FeedPos { return FeedPos{Xid: e.Xid, ID: e.ID} }

// settled is the condition of an event every feed reader may take.
//
// On PostgreSQL an event is settled when its transaction's id is below the
// xmin of the reading statement's snapshot: every transaction below xmin
// has finished, so the event is either visible (committed) or gone (rolled
// back), and every transaction still running or yet to start has an xid of
// at least xmin, above every settled position, so an event that commits
// later always lands after a cursor that was handed out. Read-only
// transactions have no xid and hold nothing back; a writing transaction
// left open holds back the feed (never loses it) until it ends.
// pg_current_snapshot() is the statement's own snapshot, the one its rows
// are read with, so xmin and visibility agree.
//
// We chose this over a sequencer that numbers events after commit: it needs
// no background process and no second write of every event, and the feed
// is readable at once. Its price: xids belong to the PostgreSQL cluster, so
// a logical dump restored into a fresh cluster starts below the stored ones
// (README: "Events feed").
//
// SQLite has one writer at a time: ids are handed out in commit order and
// every committed event is settled.
func (s *Store) settled(table string) string {
	if s.db.Dialector.Name() == "postgres" {
		return table + ".xid < pg_snapshot_xmin(pg_current_snapshot())"
	}
	return "1 = 1"
}

// zeroXid is the SQL literal of xid 0 in the xid column's type.
func (s *Store) zeroXid() string {
	if s.db.Dialector.Name() == "postgres" {
		return "'0'::xid8"
	}
	return "0"
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

// Events returns up to limit of the vendor's settled events after the
// position, in feed order.
func (s *Store) Events(ctx context.Context, vendorID int64, after FeedPos, limit int) ([]Event, error) {
	var evs []Event
	err := s.db.WithContext(ctx).Where("vendor_id = ? AND (xid, id) > (?, ?) AND "+s.settled("events"), vendorID, after.Xid, after.ID).
		Order("xid, id").Limit(limit).Find(&evs).Error
	if err != nil {
		return nil, fmt.Errorf("vendors: events: %w", err)
	}
	return evs, nil
}

// EventPos returns the feed position of the vendor's event with this public
// id; ErrNotFound when the vendor has no such event.
func (s *Store) EventPos(ctx context.Context, vendorID int64, publicID string) (FeedPos, error) {
	var e Event
	err := s.db.WithContext(ctx).Select("id", "xid").Where("vendor_id = ? AND public_id = ?", vendorID, publicID).Take(&e).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return FeedPos{}, ErrNotFound
	}
	if err != nil {
		return FeedPos{}, fmt.Errorf("vendors: event position: %w", err)
	}
	return e.Pos(), nil
}

// feedEnd returns the position of the vendor's last settled event (zero
// when it has none): a reader starting there gets every event settled
// later, including those whose transactions are running now.
func (s *Store) feedEnd(tx *gorm.DB, vendorID int64) (FeedPos, error) {
	var evs []Event
	err := tx.Select("id", "xid").Where("vendor_id = ? AND "+s.settled("events"), vendorID).
		Order("xid DESC, id DESC").Limit(1).Find(&evs).Error
	if err != nil || len(evs) == 0 {
		return FeedPos{}, err
	}
	return evs[0].Pos(), nil
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
