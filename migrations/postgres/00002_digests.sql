-- +goose Up
-- Reminder policy per vendor: offsets in days from the due date, and a
-- repeat interval while overdue.
ALTER TABLE vendors ADD COLUMN reminder_offsets TEXT NOT NULL DEFAULT '-7,0,3,7';
ALTER TABLE vendors ADD COLUMN reminder_repeat_days INTEGER NOT NULL DEFAULT 7 CHECK (reminder_repeat_days BETWEEN 1 AND 90);

-- A payer's schedule and preferences. An empty timezone means "derive".
ALTER TABLE payers ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE payers ADD COLUMN cadence TEXT NOT NULL DEFAULT 'smart' CHECK (cadence IN ('smart', 'weekly', 'daily', 'payment_run'));
ALTER TABLE payers ADD COLUMN weekday INTEGER NOT NULL DEFAULT 1 CHECK (weekday BETWEEN 0 AND 6);
ALTER TABLE payers ADD COLUMN run_days TEXT NOT NULL DEFAULT '';
ALTER TABLE payers ADD COLUMN send_hour INTEGER NOT NULL DEFAULT 9 CHECK (send_hour BETWEEN 0 AND 23);
ALTER TABLE payers ADD COLUMN send_minute INTEGER NOT NULL DEFAULT 0 CHECK (send_minute BETWEEN 0 AND 59);
ALTER TABLE payers ADD COLUMN min_interval_hours INTEGER NOT NULL DEFAULT 72 CHECK (min_interval_hours BETWEEN 0 AND 744);
ALTER TABLE payers ADD COLUMN email_enabled BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE payers ADD COLUMN sms_enabled BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE payers ADD COLUMN paused_until TIMESTAMPTZ;
ALTER TABLE payers ADD COLUMN last_action_at TIMESTAMPTZ;
ALTER TABLE payers ADD COLUMN tokens_valid_after TIMESTAMPTZ;

-- Invoices a payer's reminders must not chase: dispute, promise to pay,
-- reported payment awaiting confirmation. Active while released_at is null
-- and until (if any) is in the future.
CREATE TABLE holds (
    id          BIGSERIAL PRIMARY KEY,
    payer_id    BIGINT NOT NULL REFERENCES payers (id),
    vendor_id   BIGINT NOT NULL REFERENCES vendors (id),
    invoice_id  BIGINT NOT NULL REFERENCES invoices (id),
    kind        TEXT NOT NULL CHECK (kind IN ('dispute', 'promise', 'payment_reported')),
    until       TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL,
    released_at TIMESTAMPTZ
);
CREATE INDEX holds_invoice_active ON holds (invoice_id) WHERE released_at IS NULL;
CREATE INDEX holds_payer ON holds (payer_id);

-- Vendors a payer has muted.
CREATE TABLE payer_mutes (
    payer_id   BIGINT NOT NULL REFERENCES payers (id),
    vendor_id  BIGINT NOT NULL REFERENCES vendors (id),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (payer_id, vendor_id)
);

-- Addresses and numbers nothing may be sent to again.
CREATE TABLE suppressions (
    id         BIGSERIAL PRIMARY KEY,
    channel    TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    address    TEXT NOT NULL,
    reason     TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (channel, address)
);

-- The digest ledger: one row per payer, channel and slot, written before
-- anything is sent. The unique key is what makes sending idempotent.
CREATE TABLE digests (
    id          BIGSERIAL PRIMARY KEY,
    payer_id    BIGINT NOT NULL REFERENCES payers (id),
    channel     TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    slot        TIMESTAMPTZ NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'expired', 'empty')),
    recipients  TEXT NOT NULL DEFAULT '',
    subject     TEXT NOT NULL DEFAULT '',
    invoice_ids TEXT NOT NULL DEFAULT '',
    provider_id TEXT NOT NULL DEFAULT '',
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT '',
    delivery    TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    sent_at     TIMESTAMPTZ,
    UNIQUE (payer_id, channel, slot)
);
CREATE INDEX digests_status ON digests (status, created_at);
CREATE INDEX digests_provider ON digests (provider_id);

-- Every delivery attempt of a digest.
CREATE TABLE delivery_attempts (
    id          BIGSERIAL PRIMARY KEY,
    digest_id   BIGINT NOT NULL REFERENCES digests (id),
    attempt     INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('sent', 'retry', 'failed')),
    provider_id TEXT NOT NULL DEFAULT '',
    error       TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX delivery_attempts_digest ON delivery_attempts (digest_id);

-- Short opaque SMS links, resolved server side; never a JWT in an SMS.
CREATE TABLE short_links (
    token      TEXT PRIMARY KEY,
    payer_id   BIGINT NOT NULL REFERENCES payers (id),
    digest_id  BIGINT NOT NULL REFERENCES digests (id),
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- Provider events already applied, for de-duplication.
CREATE TABLE provider_events (
    provider   TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (provider, event_id)
);

-- Events for vendors (read by cursor, delivered by webhook in a later issue).
CREATE TABLE events (
    id         BIGSERIAL PRIMARY KEY,
    vendor_id  BIGINT NOT NULL REFERENCES vendors (id),
    type       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX events_vendor ON events (vendor_id, id);

-- +goose Down
DROP TABLE events;
DROP TABLE provider_events;
DROP TABLE short_links;
DROP TABLE delivery_attempts;
DROP TABLE digests;
DROP TABLE suppressions;
DROP TABLE payer_mutes;
DROP TABLE holds;
ALTER TABLE payers DROP COLUMN tokens_valid_after;
ALTER TABLE payers DROP COLUMN last_action_at;
ALTER TABLE payers DROP COLUMN paused_until;
ALTER TABLE payers DROP COLUMN sms_enabled;
ALTER TABLE payers DROP COLUMN email_enabled;
ALTER TABLE payers DROP COLUMN min_interval_hours;
ALTER TABLE payers DROP COLUMN send_minute;
ALTER TABLE payers DROP COLUMN send_hour;
ALTER TABLE payers DROP COLUMN run_days;
ALTER TABLE payers DROP COLUMN weekday;
ALTER TABLE payers DROP COLUMN cadence;
ALTER TABLE payers DROP COLUMN name;
ALTER TABLE vendors DROP COLUMN reminder_repeat_days;
ALTER TABLE vendors DROP COLUMN reminder_offsets;
