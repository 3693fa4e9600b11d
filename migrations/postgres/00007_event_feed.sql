-- +goose Up
-- A gap-free event feed. Events are written inside the transactions of the
-- actions they report and commit in any order, so their ids are not a
-- safe cursor: a reader past id 12 never sees an id 11 that commits late.
-- feed_pos is the event's place in its vendor's feed, given after commit
-- by a sequencer (vendors.Store.sequence): one run at a time per vendor,
-- under an advisory lock held to its commit, numbers the vendor's committed
-- events that have none from this sequence. A later run's numbers are
-- greater and become visible only after the earlier run's, so positions
-- appear in increasing order and a cursor never steps over one.
-- Events written before this migration were all committed: they keep
-- their id as position.
CREATE SEQUENCE events_feed_seq;
ALTER TABLE events ADD COLUMN feed_pos BIGINT;
UPDATE events SET feed_pos = id;
SELECT setval('events_feed_seq', COALESCE((SELECT MAX(id) FROM events), 0) + 1, false);
-- The id vendors see: random for new events (evt_ + 24 base62), so it tells
-- nothing of other vendors' activity. Events already delivered keep the id
-- they were delivered with, so vendors' stored ids and cursors still work.
ALTER TABLE events ADD COLUMN public_id TEXT;
UPDATE events SET public_id = 'evt_' || id;
ALTER TABLE events ALTER COLUMN public_id SET NOT NULL;
CREATE UNIQUE INDEX events_public_id ON events (public_id);
DROP INDEX events_vendor;
CREATE UNIQUE INDEX events_feed ON events (vendor_id, feed_pos);
CREATE INDEX events_unsequenced ON events (vendor_id, id) WHERE feed_pos IS NULL;
DROP INDEX events_type;
CREATE INDEX events_type ON events (type, feed_pos);
-- webhook_endpoints.event_cursor and vendor_team_mail.event_cursor now hold
-- feed positions; for the events above, position = id, so they stand.

-- +goose Down
DROP INDEX events_type;
CREATE INDEX events_type ON events (type, id);
DROP INDEX events_unsequenced;
DROP INDEX events_feed;
CREATE INDEX events_vendor ON events (vendor_id, id);
DROP INDEX events_public_id;
ALTER TABLE events DROP COLUMN public_id;
ALTER TABLE events DROP COLUMN feed_pos;
DROP SEQUENCE events_feed_seq;
