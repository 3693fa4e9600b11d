-- +goose Up
-- A new promise to pay on an invoice replaces the payer's earlier one; the
-- vendor's queue shows the earlier one as superseded by it rather than
-- dropping it silently, so the old hold names the hold that replaced it.
ALTER TABLE holds ADD COLUMN superseded_by BIGINT;

-- The payer's clicks on Pay, for the invoice page's timeline (the vendor
-- hears of them as pay.clicked events, which the payer's side cannot read).
CREATE TABLE pay_clicks (
    id         BIGSERIAL PRIMARY KEY,
    payer_id   BIGINT NOT NULL REFERENCES payers (id),
    invoice_id BIGINT NOT NULL REFERENCES invoices (id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX pay_clicks_invoice ON pay_clicks (invoice_id, payer_id);

-- The payer's private calendar feed of due dates and promises: a secret URL,
-- stored as its SHA-256 ('' when the payer has none), revocable in settings.
ALTER TABLE payers ADD COLUMN calendar_token_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE payers ADD COLUMN calendar_created_at TIMESTAMPTZ;
CREATE INDEX payers_calendar ON payers (calendar_token_hash) WHERE calendar_token_hash <> '';

-- Internal notes of a vendor's team on a thread: never shown to the payer,
-- never in events or emails to it.
CREATE TABLE thread_notes (
    id         BIGSERIAL PRIMARY KEY,
    vendor_id  BIGINT NOT NULL REFERENCES vendors (id),
    thread_id  BIGINT NOT NULL REFERENCES threads (id),
    member_id  BIGINT NOT NULL REFERENCES vendor_members (id),
    body       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX thread_notes_thread ON thread_notes (thread_id);

-- +goose Down
DROP TABLE thread_notes;
DROP INDEX payers_calendar;
ALTER TABLE payers DROP COLUMN calendar_created_at;
ALTER TABLE payers DROP COLUMN calendar_token_hash;
DROP TABLE pay_clicks;
ALTER TABLE holds DROP COLUMN superseded_by;
