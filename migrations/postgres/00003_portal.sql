-- +goose Up
-- Questions and disputes on an invoice, routed to the owning vendor.
CREATE TABLE threads (
    id                BIGSERIAL PRIMARY KEY,
    vendor_id         BIGINT NOT NULL REFERENCES vendors (id),
    payer_id          BIGINT NOT NULL REFERENCES payers (id),
    invoice_id        BIGINT REFERENCES invoices (id),
    kind              TEXT NOT NULL CHECK (kind IN ('question', 'dispute')),
    state             TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'answered', 'resolved')),
    reason            TEXT NOT NULL DEFAULT '',
    disputed_amount   BIGINT NOT NULL DEFAULT 0 CHECK (disputed_amount >= 0),
    currency          TEXT NOT NULL DEFAULT '',
    outcome           TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    first_response_at TIMESTAMPTZ,
    resolved_at       TIMESTAMPTZ
);
CREATE INDEX threads_vendor ON threads (vendor_id, state);
CREATE INDEX threads_payer ON threads (payer_id);
CREATE INDEX threads_invoice ON threads (invoice_id);

CREATE TABLE thread_messages (
    id         BIGSERIAL PRIMARY KEY,
    thread_id  BIGINT NOT NULL REFERENCES threads (id),
    author     TEXT NOT NULL CHECK (author IN ('payer', 'vendor')),
    body       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX thread_messages_thread ON thread_messages (thread_id, id);

-- A payer applying one of a vendor's credit notes to an open invoice.
CREATE TABLE credit_applications (
    id         BIGSERIAL PRIMARY KEY,
    payer_id   BIGINT NOT NULL REFERENCES payers (id),
    vendor_id  BIGINT NOT NULL REFERENCES vendors (id),
    credit_id  BIGINT NOT NULL REFERENCES credit_notes (id),
    invoice_id BIGINT NOT NULL REFERENCES invoices (id),
    amount     BIGINT NOT NULL CHECK (amount > 0),
    currency   TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX credit_applications_credit ON credit_applications (credit_id);

-- Remittance advice: a payment the payer reports, split per vendor.
CREATE TABLE payment_reports (
    id           BIGSERIAL PRIMARY KEY,
    payer_id     BIGINT NOT NULL REFERENCES payers (id),
    vendor_id    BIGINT NOT NULL REFERENCES vendors (id),
    method       TEXT NOT NULL,
    reference    TEXT NOT NULL DEFAULT '',
    paid_on      DATE NOT NULL,
    amount       BIGINT NOT NULL CHECK (amount > 0),
    currency     TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    confirmed_at TIMESTAMPTZ
);
CREATE INDEX payment_reports_vendor ON payment_reports (vendor_id);

CREATE TABLE payment_report_invoices (
    report_id  BIGINT NOT NULL REFERENCES payment_reports (id),
    invoice_id BIGINT NOT NULL REFERENCES invoices (id),
    amount     BIGINT NOT NULL CHECK (amount > 0),
    PRIMARY KEY (report_id, invoice_id)
);

-- One-time codes sent to a payer's AP inbox before sensitive actions.
CREATE TABLE otp_codes (
    id         BIGSERIAL PRIMARY KEY,
    payer_id   BIGINT NOT NULL REFERENCES payers (id),
    purpose    TEXT NOT NULL,
    code_hash  TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX otp_codes_payer ON otp_codes (payer_id, purpose);

-- Holds know what they came from and, for a promise, how much.
ALTER TABLE holds ADD COLUMN amount BIGINT NOT NULL DEFAULT 0;
ALTER TABLE holds ADD COLUMN ref_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE holds ADD COLUMN broken_at TIMESTAMPTZ;

-- +goose Down
ALTER TABLE holds DROP COLUMN broken_at;
ALTER TABLE holds DROP COLUMN ref_id;
ALTER TABLE holds DROP COLUMN amount;
DROP TABLE otp_codes;
DROP TABLE payment_report_invoices;
DROP TABLE payment_reports;
DROP TABLE credit_applications;
DROP TABLE thread_messages;
DROP TABLE threads;
