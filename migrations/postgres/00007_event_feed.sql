-- +goose Up
-- A gap-free event feed. An event's place in its vendor's feed is
-- (xid, id): xid is the id of the transaction that wrote it. A reader only
-- takes events whose xid is below the xmin of its snapshot, i.e. written by
-- transactions that have all finished; a transaction still running, or one
-- that commits later, has an xid at least that xmin, above every position
-- already read, so a cursor never steps over an event that commits late.
-- Events written before this migration were all committed: xid 0 keeps
-- them in id order, ahead of every new one.
ALTER TABLE events ADD COLUMN xid xid8 NOT NULL DEFAULT '0';
ALTER TABLE events ALTER COLUMN xid SET DEFAULT pg_current_xact_id();
-- The id vendors see: random for new events (evt_ + 24 base62), so it tells
-- nothing of other vendors' activity. Events already delivered keep the id
-- they were delivered with, so vendors' stored ids and cursors still work.
ALTER TABLE events ADD COLUMN public_id TEXT;
UPDATE events SET public_id = 'evt_' || id;
ALTER TABLE events ALTER COLUMN public_id SET NOT NULL;
CREATE UNIQUE INDEX events_public_id ON events (public_id);
DROP INDEX events_vendor;
CREATE INDEX events_feed ON events (vendor_id, xid, id);
DROP INDEX events_type;
CREATE INDEX events_type ON events (type, xid, id);
-- The fan-out's and the team mail's cursors become feed positions.
ALTER TABLE webhook_endpoints ADD COLUMN event_cursor_xid xid8 NOT NULL DEFAULT '0';
ALTER TABLE vendor_team_mail ADD COLUMN event_cursor_xid xid8 NOT NULL DEFAULT '0';

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
