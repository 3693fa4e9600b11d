-- +goose Up
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE vendors (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL CHECK (name <> ''),
    domain        TEXT NOT NULL DEFAULT '',
    support_email TEXT NOT NULL DEFAULT '',
    timezone      TEXT NOT NULL DEFAULT 'UTC',
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);

CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    vendor_id    INTEGER NOT NULL REFERENCES vendors (id),
    prefix       TEXT NOT NULL UNIQUE,
    hash         BLOB NOT NULL,
    created_at   DATETIME NOT NULL,
    last_used_at DATETIME,
    revoked_at   DATETIME
);
CREATE INDEX api_keys_vendor ON api_keys (vendor_id);

CREATE TABLE payers (
    id         INTEGER PRIMARY KEY,
    key        TEXT NOT NULL UNIQUE,
    timezone   TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);

CREATE TABLE payer_contacts (
    id         INTEGER PRIMARY KEY,
    payer_id   INTEGER NOT NULL REFERENCES payers (id),
    kind       TEXT NOT NULL CHECK (kind IN ('email', 'phone')),
    value      TEXT NOT NULL,
    role       TEXT NOT NULL DEFAULT 'to' CHECK (role IN ('to', 'cc', 'bcc')),
    created_at DATETIME NOT NULL,
    UNIQUE (payer_id, kind, value)
);

CREATE TABLE customers (
    id                 INTEGER PRIMARY KEY,
    vendor_id          INTEGER NOT NULL REFERENCES vendors (id),
    external_id        TEXT NOT NULL,
    name               TEXT NOT NULL DEFAULT '',
    email              TEXT NOT NULL DEFAULT '',
    phone              TEXT NOT NULL DEFAULT '',
    sms_consent        BOOLEAN NOT NULL DEFAULT 0,
    sms_consent_source TEXT NOT NULL DEFAULT '',
    payer_id           INTEGER NOT NULL REFERENCES payers (id),
    created_at         DATETIME NOT NULL,
    updated_at         DATETIME NOT NULL,
    UNIQUE (vendor_id, external_id)
);
CREATE INDEX customers_payer ON customers (payer_id);

CREATE TABLE invoices (
    id               INTEGER PRIMARY KEY,
    vendor_id        INTEGER NOT NULL REFERENCES vendors (id),
    external_id      TEXT NOT NULL,
    number           TEXT NOT NULL,
    customer_id      INTEGER NOT NULL REFERENCES customers (id),
    currency         TEXT NOT NULL CHECK (length(currency) = 3),
    amount_due       INTEGER NOT NULL CHECK (amount_due >= 0),
    amount_remaining INTEGER NOT NULL CHECK (amount_remaining >= 0 AND amount_remaining <= amount_due),
    issue_date       DATE,
    due_date         DATE NOT NULL,
    pay_url          TEXT NOT NULL DEFAULT '',
    pdf_url          TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL CHECK (status IN ('open', 'paid', 'void')),
    memo             TEXT NOT NULL DEFAULT '',
    created_at       DATETIME NOT NULL,
    updated_at       DATETIME NOT NULL,
    UNIQUE (vendor_id, external_id)
);
CREATE INDEX invoices_customer_open ON invoices (customer_id, due_date) WHERE status = 'open';
CREATE INDEX invoices_vendor_due ON invoices (vendor_id, due_date);

CREATE TABLE credit_notes (
    id               INTEGER PRIMARY KEY,
    vendor_id        INTEGER NOT NULL REFERENCES vendors (id),
    external_id      TEXT NOT NULL,
    number           TEXT NOT NULL,
    customer_id      INTEGER NOT NULL REFERENCES customers (id),
    currency         TEXT NOT NULL CHECK (length(currency) = 3),
    amount           INTEGER NOT NULL CHECK (amount >= 0),
    amount_remaining INTEGER NOT NULL CHECK (amount_remaining >= 0 AND amount_remaining <= amount),
    issue_date       DATE,
    memo             TEXT NOT NULL DEFAULT '',
    created_at       DATETIME NOT NULL,
    updated_at       DATETIME NOT NULL,
    UNIQUE (vendor_id, external_id)
);
CREATE INDEX credit_notes_customer ON credit_notes (customer_id);

CREATE TABLE idempotency_keys (
    vendor_id    INTEGER NOT NULL REFERENCES vendors (id),
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code  INTEGER NOT NULL DEFAULT 0,
    response     BLOB,
    created_at   DATETIME NOT NULL,
    PRIMARY KEY (vendor_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE outbox_messages (
    id         INTEGER PRIMARY KEY,
    channel    TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    message_id TEXT NOT NULL DEFAULT '',
    to_addrs   TEXT NOT NULL,
    cc_addrs   TEXT NOT NULL DEFAULT '[]',
    bcc_addrs  TEXT NOT NULL DEFAULT '[]',
    subject    TEXT NOT NULL DEFAULT '',
    text_body  TEXT NOT NULL DEFAULT '',
    html_body  TEXT NOT NULL DEFAULT '',
    headers    TEXT NOT NULL DEFAULT '{}',
    created_at DATETIME NOT NULL
);

-- +goose Down
DROP TABLE outbox_messages;
DROP TABLE idempotency_keys;
DROP TABLE credit_notes;
DROP TABLE invoices;
DROP TABLE customers;
DROP TABLE payer_contacts;
DROP TABLE payers;
DROP TABLE api_keys;
DROP TABLE vendors;
DROP TABLE settings;
