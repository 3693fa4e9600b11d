-- +goose Up
-- Issue 13 (journeys, second part).

-- What a payer did that stops or restarts a vendor's reminders (mute,
-- unmute, pause, resume), one row per customer record of the vendor that
-- reaches the payer: the vendor's per-customer page shows it as activity.
-- The vendor hears of each as an event too; the events feed cannot be read
-- by customer.
CREATE TABLE customer_activity (
    id          BIGSERIAL PRIMARY KEY,
    vendor_id   BIGINT NOT NULL REFERENCES vendors (id),
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    kind        TEXT NOT NULL CHECK (kind IN ('muted', 'unmuted', 'paused', 'resumed')),
    detail      TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX customer_activity_customer ON customer_activity (vendor_id, customer_id, created_at);

-- Which member of the vendor's team wrote a message (NULL: the API, an
-- emailed answer, or a message from before).
ALTER TABLE thread_messages ADD COLUMN member_id BIGINT REFERENCES vendor_members (id);

-- A thread assigned to a member by someone else: the member is emailed once
-- (sent_at is the claim, taken before sending and given back on failure).
CREATE TABLE thread_assign_notices (
    id          BIGSERIAL PRIMARY KEY,
    vendor_id   BIGINT NOT NULL REFERENCES vendors (id),
    thread_id   BIGINT NOT NULL REFERENCES threads (id),
    member_id   BIGINT NOT NULL REFERENCES vendor_members (id),
    by_member_id BIGINT REFERENCES vendor_members (id),
    created_at  TIMESTAMPTZ NOT NULL,
    sent_at     TIMESTAMPTZ
);
CREATE INDEX thread_assign_notices_pending ON thread_assign_notices (id) WHERE sent_at IS NULL;

-- A vendor team's saved replies (canned answers), inserted into a thread's
-- reply form.
CREATE TABLE saved_replies (
    id         BIGSERIAL PRIMARY KEY,
    vendor_id  BIGINT NOT NULL REFERENCES vendors (id),
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (vendor_id, title)
);

-- +goose Down
DROP TABLE saved_replies;
DROP TABLE thread_assign_notices;
ALTER TABLE thread_messages DROP COLUMN member_id;
DROP TABLE customer_activity;
