-- +goose Up
-- Issue 16: late-payment risk. One model per vendor, trained on that
-- vendor's history only; the scores of its open invoices; and the vendor's
-- "mention high-risk invoices earlier" option.

-- The vendor's model as JSON (risk.Model): its kind, standardisation and
-- weights, and how much history it was trained on.
CREATE TABLE risk_models (
    vendor_id  INTEGER PRIMARY KEY REFERENCES vendors (id),
    kind       TEXT NOT NULL CHECK (kind IN ('logistic_regression', 'customer_late_share', 'no_history')),
    model      TEXT NOT NULL,
    invoices   INTEGER NOT NULL,
    late       INTEGER NOT NULL,
    trained_at DATETIME NOT NULL
);

-- The latest score of each open invoice. probability is NULL when the
-- vendor has no history at all; reasons is a JSON array of strings.
CREATE TABLE invoice_risks (
    invoice_id  INTEGER PRIMARY KEY REFERENCES invoices (id),
    vendor_id   INTEGER NOT NULL REFERENCES vendors (id),
    probability REAL CHECK (probability >= 0 AND probability <= 1),
    level       TEXT NOT NULL CHECK (level IN ('high', 'medium', 'low', 'unknown')),
    reasons     TEXT NOT NULL,
    model       TEXT NOT NULL,
    scored_at   DATETIME NOT NULL
);
CREATE INDEX invoice_risks_vendor ON invoice_risks (vendor_id, probability DESC);

-- "Mention high-risk invoices earlier": a row means on. Invoices scored at
-- or above threshold enter the payer's regular digest days earlier.
CREATE TABLE risk_policies (
    vendor_id  INTEGER PRIMARY KEY REFERENCES vendors (id),
    threshold  REAL NOT NULL CHECK (threshold > 0 AND threshold <= 1),
    days       INTEGER NOT NULL CHECK (days >= 1 AND days <= 14),
    updated_at DATETIME NOT NULL
);

-- +goose Down
DROP TABLE risk_policies;
DROP TABLE invoice_risks;
DROP TABLE risk_models;
