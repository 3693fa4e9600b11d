-- +goose Up
-- Signing secrets are stored encrypted ("v1:" + AES-GCM, key derived from
-- DUEHUB_SECRET); plaintext secrets of older rows are sealed by the server at
-- start-up. After a roll the previous secret keeps signing, next to the new
-- one, until previous_secret_expires_at.
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret_expires_at TIMESTAMPTZ;

-- A test event is delivered to one endpoint only and is not an event of the
-- vendor's feed: its delivery has no event row, only the test event's id.
ALTER TABLE webhook_deliveries ALTER COLUMN event_id DROP NOT NULL;
ALTER TABLE webhook_deliveries ADD COLUMN test_event_id TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_event_or_test
    CHECK ((event_id IS NULL) = (test_event_id <> ''));

-- +goose Down
DELETE FROM webhook_deliveries WHERE event_id IS NULL;
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_event_or_test;
ALTER TABLE webhook_deliveries DROP COLUMN test_event_id;
ALTER TABLE webhook_deliveries ALTER COLUMN event_id SET NOT NULL;
ALTER TABLE webhook_endpoints DROP COLUMN previous_secret_expires_at;
ALTER TABLE webhook_endpoints DROP COLUMN previous_secret;
