-- +goose Up
-- Issue 12: the history the vendor's AR analytics are computed from.

-- An invoice's lifecycle: when it became paid (pushed with the invoice, or
-- the time of the push or settlement that paid it) and voided. created_at
-- is when the hub first saw it.
ALTER TABLE invoices ADD COLUMN paid_at DATETIME;
ALTER TABLE invoices ADD COLUMN voided_at DATETIME;
CREATE INDEX invoices_vendor_paid ON invoices (vendor_id, paid_at) WHERE paid_at IS NOT NULL;
CREATE INDEX invoices_vendor_issue ON invoices (vendor_id, issue_date);

-- Append-only: one row per write that changed an invoice's money or status,
-- whatever wrote it (a push, a credit applied, a payment confirmed). Triggers
-- write it in the statement's transaction, so no write path can forget it.
CREATE TABLE invoice_changes (
    id                    INTEGER PRIMARY KEY,
    vendor_id             INTEGER NOT NULL REFERENCES vendors (id),
    invoice_id            INTEGER NOT NULL REFERENCES invoices (id),
    at                    DATETIME NOT NULL,
    status                TEXT NOT NULL,
    amount_due            INTEGER NOT NULL,
    amount_remaining      INTEGER NOT NULL,
    amount_applied        INTEGER NOT NULL,
    prev_status           TEXT,
    prev_amount_remaining INTEGER
);
CREATE INDEX invoice_changes_invoice ON invoice_changes (invoice_id, id);
CREATE INDEX invoice_changes_vendor_at ON invoice_changes (vendor_id, at);

-- +goose StatementBegin
CREATE TRIGGER invoices_history_insert AFTER INSERT ON invoices BEGIN
    INSERT INTO invoice_changes (vendor_id, invoice_id, at, status, amount_due, amount_remaining, amount_applied)
    VALUES (NEW.vendor_id, NEW.id, NEW.updated_at, NEW.status, NEW.amount_due, NEW.amount_remaining, NEW.amount_applied);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER invoices_history_update AFTER UPDATE ON invoices
WHEN NEW.status IS NOT OLD.status OR NEW.amount_due IS NOT OLD.amount_due OR NEW.amount_remaining IS NOT OLD.amount_remaining
BEGIN
    INSERT INTO invoice_changes (vendor_id, invoice_id, at, status, amount_due, amount_remaining, amount_applied,
                                 prev_status, prev_amount_remaining)
    VALUES (NEW.vendor_id, NEW.id, NEW.updated_at, NEW.status, NEW.amount_due, NEW.amount_remaining, NEW.amount_applied,
            OLD.status, OLD.amount_remaining);
END;
-- +goose StatementEnd

-- Who on the vendor's team did what: replies, assignments, resolutions and
-- payment confirmations. member_id is NULL for an action taken with an API key.
CREATE TABLE vendor_actions (
    id         INTEGER PRIMARY KEY,
    vendor_id  INTEGER NOT NULL REFERENCES vendors (id),
    member_id  INTEGER REFERENCES vendor_members (id),
    action     TEXT NOT NULL CHECK (action IN ('reply', 'assign', 'resolve', 'confirm_payment')),
    thread_id  INTEGER REFERENCES threads (id),
    report_id  INTEGER REFERENCES payment_reports (id),
    created_at DATETIME NOT NULL
);
CREATE INDEX vendor_actions_vendor ON vendor_actions (vendor_id, created_at);
CREATE INDEX vendor_actions_thread ON vendor_actions (thread_id) WHERE thread_id IS NOT NULL;

-- Why a payment was late: asked (optionally) of the payer in the portal, or
-- tagged by the vendor from the thread page; one answer per invoice and side.
CREATE TABLE late_reasons (
    id         INTEGER PRIMARY KEY,
    vendor_id  INTEGER NOT NULL REFERENCES vendors (id),
    invoice_id INTEGER NOT NULL REFERENCES invoices (id),
    source     TEXT NOT NULL CHECK (source IN ('payer', 'vendor')),
    reason     TEXT NOT NULL CHECK (reason IN ('awaiting_approval', 'not_received', 'po_mismatch',
                   'awaiting_credit', 'cash_flow', 'payment_run', 'disputed', 'other')),
    member_id  INTEGER REFERENCES vendor_members (id),
    created_at DATETIME NOT NULL,
    UNIQUE (invoice_id, source)
);
CREATE INDEX late_reasons_vendor ON late_reasons (vendor_id, created_at);

-- The vendor's response-time target in hours; 0 is the default of one
-- business day.
ALTER TABLE vendors ADD COLUMN response_target_hours INTEGER NOT NULL DEFAULT 0 CHECK (response_target_hours >= 0);

-- Analytics read threads by vendor and opening time.
CREATE INDEX threads_vendor_created ON threads (vendor_id, created_at);

-- Existing paid and void invoices get the best time the hub knows.
UPDATE invoices SET paid_at = updated_at WHERE status = 'paid';
UPDATE invoices SET voided_at = updated_at WHERE status = 'void';

-- +goose Down
DROP INDEX threads_vendor_created;
DROP TABLE vendor_actions;
ALTER TABLE vendors DROP COLUMN response_target_hours;
DROP TABLE late_reasons;
DROP TRIGGER invoices_history_update;
DROP TRIGGER invoices_history_insert;
DROP TABLE invoice_changes;
DROP INDEX invoices_vendor_issue;
DROP INDEX invoices_vendor_paid;
ALTER TABLE invoices DROP COLUMN voided_at;
ALTER TABLE invoices DROP COLUMN paid_at;
