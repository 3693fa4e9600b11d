-- +goose Up
-- Issue 17: pay several vendors in one Stripe Checkout. The hub charges the
-- payer on the platform account and transfers each vendor's share to the
-- vendor's connected account (separate charges and transfers).

-- A vendor's Stripe connected account and its status as last read from
-- Stripe. currencies is a comma-separated list of the lower-case ISO codes
-- the account's country supports for payments.
CREATE TABLE stripe_accounts (
    vendor_id        INTEGER PRIMARY KEY REFERENCES vendors (id),
    account_id       TEXT NOT NULL UNIQUE,
    charges_enabled  BOOLEAN NOT NULL DEFAULT 0,
    payouts_enabled  BOOLEAN NOT NULL DEFAULT 0,
    requirements_due TEXT NOT NULL DEFAULT '',
    country          TEXT NOT NULL DEFAULT '',
    currencies       TEXT NOT NULL DEFAULT '',
    created_at       DATETIME NOT NULL,
    updated_at       DATETIME NOT NULL
);

-- One payer's checkout: one Checkout Session, one currency. amount is the
-- sum of the lines; fee is the platform fee added on top.
CREATE TABLE checkouts (
    id                INTEGER PRIMARY KEY,
    payer_id          INTEGER NOT NULL REFERENCES payers (id),
    currency          TEXT NOT NULL CHECK (length(currency) = 3),
    amount            INTEGER NOT NULL CHECK (amount > 0),
    fee               INTEGER NOT NULL DEFAULT 0 CHECK (fee >= 0),
    status            TEXT NOT NULL CHECK (status IN ('open', 'paid', 'failed', 'refunded')),
    session_id        TEXT UNIQUE,
    payment_intent_id TEXT NOT NULL DEFAULT '',
    charge_id         TEXT NOT NULL DEFAULT '',
    transfer_group    TEXT NOT NULL DEFAULT '',
    -- The refund of the excess lines' total, once made.
    excess_refund_id  TEXT NOT NULL DEFAULT '',
    created_at        DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL
);
CREATE INDEX checkouts_payer ON checkouts (payer_id, id);
CREATE INDEX checkouts_payment_intent ON checkouts (payment_intent_id);

-- What a checkout pays of each invoice. state: pending until paid; applied
-- when it reduced the invoice; excess when the invoice had less left than
-- the line (another checkout paid it first) and the line was refunded;
-- reversed when a refund or failure took it back.
CREATE TABLE checkout_lines (
    id          INTEGER PRIMARY KEY,
    checkout_id INTEGER NOT NULL REFERENCES checkouts (id),
    vendor_id   INTEGER NOT NULL REFERENCES vendors (id),
    invoice_id  INTEGER NOT NULL REFERENCES invoices (id),
    amount      INTEGER NOT NULL CHECK (amount > 0),
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'applied', 'excess', 'reversed')),
    UNIQUE (checkout_id, invoice_id)
);
CREATE INDEX checkout_lines_vendor ON checkout_lines (vendor_id, invoice_id);

-- One transfer per vendor of a paid checkout: the sum of its applied lines.
-- transfer_id is empty until Stripe answered; status pending until then.
CREATE TABLE checkout_transfers (
    id          INTEGER PRIMARY KEY,
    checkout_id INTEGER NOT NULL REFERENCES checkouts (id),
    vendor_id   INTEGER NOT NULL REFERENCES vendors (id),
    account_id  TEXT NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount > 0),
    status      TEXT NOT NULL CHECK (status IN ('pending', 'created', 'reversing', 'reversed')),
    transfer_id TEXT NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL,
    UNIQUE (checkout_id, vendor_id)
);

-- Stripe webhook events, verified and stored once by id; processed_at is
-- set in the transaction that applies the event, so each applies once.
CREATE TABLE stripe_events (
    id           INTEGER PRIMARY KEY,
    event_id     TEXT NOT NULL UNIQUE,
    type         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    received_at  DATETIME NOT NULL,
    processed_at DATETIME
);
CREATE INDEX stripe_events_pending ON stripe_events (id) WHERE processed_at IS NULL;

-- +goose Down
DROP TABLE stripe_events;
DROP TABLE checkout_transfers;
DROP TABLE checkout_lines;
DROP TABLE checkouts;
DROP TABLE stripe_accounts;
