-- +goose Up
-- A gap-free event feed. An event's place in its vendor's feed is
-- (xid, id). SQLite has one writer at a time, so ids are given in commit
-- order and xid stays 0: the feed is in id order. (On PostgreSQL xid is the
-- writing transaction's id; see migrations/postgres/00007_event_feed.sql.)
ALTER TABLE events ADD COLUMN xid INTEGER NOT NULL DEFAULT 0;
-- The id vendors see: random for new events (evt_ + 24 base62), so it tells
-- nothing of other vendors' activity. Events already delivered keep the id
-- they were delivered with, so vendors' stored ids and cursors still work.
ALTER TABLE events ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
UPDATE events SET public_id = 'evt_' || id;
CREATE UNIQUE INDEX events_public_id ON events (public_id);
DROP INDEX events_vendor;
CREATE INDEX events_feed ON events (vendor_id, xid, id);
DROP INDEX events_type;
CREATE INDEX events_type ON events (type, xid, id);
-- The fan-out's and the team mail's cursors become feed positions.
ALTER TABLE webhook_endpoints ADD COLUMN event_cursor_xid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE vendor_team_mail ADD COLUMN event_cursor_xid INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE vendor_team_mail DROP COLUMN event_cursor_xid;
ALTER TABLE webhook_endpoints DROP COLUMN event_cursor_xid;
DROP INDEX events_type;
CREATE INDEX events_type ON events (type, id);
DROP INDEX events_feed;
CREATE INDEX events_vendor ON events (vendor_id, id);
DROP INDEX events_public_id;
ALTER TABLE events DROP COLUMN public_id;
ALTER TABLE events DROP COLUMN xid;
