-- +goose Up
-- A gap-free event feed. feed_pos is the event's place in its vendor's
-- feed, given after commit by a sequencer (vendors.Store.sequence; see
-- migrations/postgres/00007_event_feed.sql for why). SQLite has one writer
-- at a time, so ids are handed out in commit order and the sequencer gives
-- every committed event its id as position.
ALTER TABLE events ADD COLUMN feed_pos INTEGER;
UPDATE events SET feed_pos = id;
-- The id vendors see: random for new events (evt_ + 24 base62), so it tells
-- nothing of other vendors' activity. Events already delivered keep the id
-- they were delivered with, so vendors' stored ids and cursors still work.
ALTER TABLE events ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
UPDATE events SET public_id = 'evt_' || id;
CREATE UNIQUE INDEX events_public_id ON events (public_id);
DROP INDEX events_vendor;
CREATE UNIQUE INDEX events_feed ON events (vendor_id, feed_pos);
CREATE INDEX events_unsequenced ON events (vendor_id, id) WHERE feed_pos IS NULL;
DROP INDEX events_type;
CREATE INDEX events_type ON events (type, feed_pos);

-- +goose Down
DROP INDEX events_type;
CREATE INDEX events_type ON events (type, id);
DROP INDEX events_unsequenced;
DROP INDEX events_feed;
CREATE INDEX events_vendor ON events (vendor_id, id);
DROP INDEX events_public_id;
ALTER TABLE events DROP COLUMN public_id;
ALTER TABLE events DROP COLUMN feed_pos;
