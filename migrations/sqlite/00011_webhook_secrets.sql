-- +goose Up
-- Signing secrets are stored encrypted ("v1:" + AES-GCM, key derived from
-- DUEHUB_SECRET); plaintext secrets of older rows are sealed by the server at
-- start-up. After a roll the previous secret keeps signing, next to the new
-- one, until previous_secret_expires_at.
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret_expires_at DATETIME;

-- A test event is delivered to one endpoint only and is not an event of the
-- vendor's feed: its delivery has no event row, only the test event's id.
-- SQLite cannot drop NOT NULL in place, so webhook_deliveries is rebuilt,
-- and webhook_attempts with it: dropping the old deliveries table would
-- otherwise delete their attempts (ON DELETE CASCADE, foreign keys are on).
-- Renaming a table rewrites the foreign keys that name it, so the new
-- attempts table ends up referencing the new deliveries table.
CREATE TABLE webhook_deliveries_new (
    id               INTEGER PRIMARY KEY,
    public_id        TEXT NOT NULL UNIQUE,
    vendor_id        INTEGER NOT NULL REFERENCES vendors (id),
    endpoint_id      INTEGER NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id         INTEGER REFERENCES events (id),
    test_event_id    TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    retry_from       DATETIME NOT NULL,
    next_attempt_at  DATETIME,
    last_attempt_at  DATETIME,
    last_status_code INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT NOT NULL DEFAULT '',
    delivered_at     DATETIME,
    created_at       DATETIME NOT NULL,
    updated_at       DATETIME NOT NULL,
    UNIQUE (endpoint_id, event_id),
    CHECK ((event_id IS NULL) = (test_event_id <> ''))
);
INSERT INTO webhook_deliveries_new (id, public_id, vendor_id, endpoint_id, event_id, status, attempts, retry_from,
    next_attempt_at, last_attempt_at, last_status_code, last_error, delivered_at, created_at, updated_at)
SELECT id, public_id, vendor_id, endpoint_id, event_id, status, attempts, retry_from,
    next_attempt_at, last_attempt_at, last_status_code, last_error, delivered_at, created_at, updated_at
FROM webhook_deliveries;

CREATE TABLE webhook_attempts_new (
    id          INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries_new (id) ON DELETE CASCADE,
    status_code INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    duration_ms INTEGER NOT NULL DEFAULT 0,
    created_at  DATETIME NOT NULL
);
INSERT INTO webhook_attempts_new (id, delivery_id, status_code, error, duration_ms, created_at)
SELECT id, delivery_id, status_code, error, duration_ms, created_at FROM webhook_attempts;

DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
ALTER TABLE webhook_deliveries_new RENAME TO webhook_deliveries;
ALTER TABLE webhook_attempts_new RENAME TO webhook_attempts;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);

-- +goose Down
-- event_id stays nullable (SQLite would need another rebuild); test deliveries go.
DELETE FROM webhook_deliveries WHERE event_id IS NULL;
ALTER TABLE webhook_endpoints DROP COLUMN previous_secret_expires_at;
ALTER TABLE webhook_endpoints DROP COLUMN previous_secret;
