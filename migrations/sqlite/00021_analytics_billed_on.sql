-- +goose Up
-- Issue 12 (analytics, second part).

-- The day an invoice was billed, in its vendor's time zone: the issue_date
-- the vendor sent, else the vendor's local day when the hub first saw it
-- (duehub_local_date is registered on every connection by the database
-- package). Kept by triggers on every write path and indexed with the
-- vendor, so the analytics filter on it instead of on an expression no
-- index serves. A vendor who later changes time zone keeps the days
-- already recorded.
ALTER TABLE invoices ADD COLUMN billed_on DATE;

-- +goose StatementBegin
CREATE TRIGGER invoices_billed_on_insert AFTER INSERT ON invoices BEGIN
    UPDATE invoices SET billed_on = COALESCE(NEW.issue_date, duehub_local_date(NEW.created_at,
        (SELECT v.timezone FROM vendors v WHERE v.id = NEW.vendor_id)))
    WHERE id = NEW.id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER invoices_billed_on_update AFTER UPDATE OF issue_date ON invoices
WHEN NEW.issue_date IS NOT OLD.issue_date
BEGIN
    UPDATE invoices SET billed_on = COALESCE(NEW.issue_date, duehub_local_date(NEW.created_at,
        (SELECT v.timezone FROM vendors v WHERE v.id = NEW.vendor_id)))
    WHERE id = NEW.id;
END;
-- +goose StatementEnd

UPDATE invoices SET billed_on = COALESCE(issue_date, duehub_local_date(created_at,
    (SELECT v.timezone FROM vendors v WHERE v.id = invoices.vendor_id)));
CREATE INDEX invoices_vendor_billed ON invoices (vendor_id, billed_on);

-- Which of a vendor's invoices each sent digest carried (digests list them
-- for every vendor in invoice_ids): written by triggers when a digest
-- becomes sent, read by the reminder effect.
CREATE TABLE digest_invoices (
    digest_id  INTEGER NOT NULL REFERENCES digests (id),
    invoice_id INTEGER NOT NULL REFERENCES invoices (id),
    vendor_id  INTEGER NOT NULL REFERENCES vendors (id),
    sent_at    DATETIME NOT NULL,
    PRIMARY KEY (digest_id, invoice_id)
);
CREATE INDEX digest_invoices_vendor_sent ON digest_invoices (vendor_id, sent_at);
CREATE INDEX digest_invoices_invoice ON digest_invoices (invoice_id);

-- +goose StatementBegin
CREATE TRIGGER digests_invoices_insert AFTER INSERT ON digests
WHEN NEW.status = 'sent' AND NEW.invoice_ids <> '' AND json_valid('[' || NEW.invoice_ids || ']')
BEGIN
    INSERT OR IGNORE INTO digest_invoices (digest_id, invoice_id, vendor_id, sent_at)
    SELECT NEW.id, i.id, i.vendor_id, COALESCE(NEW.sent_at, NEW.updated_at)
    FROM json_each('[' || NEW.invoice_ids || ']') j JOIN invoices i ON i.id = j.value;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER digests_invoices_update AFTER UPDATE OF status ON digests
WHEN NEW.status = 'sent' AND OLD.status IS NOT 'sent' AND NEW.invoice_ids <> '' AND json_valid('[' || NEW.invoice_ids || ']')
BEGIN
    INSERT OR IGNORE INTO digest_invoices (digest_id, invoice_id, vendor_id, sent_at)
    SELECT NEW.id, i.id, i.vendor_id, COALESCE(NEW.sent_at, NEW.updated_at)
    FROM json_each('[' || NEW.invoice_ids || ']') j JOIN invoices i ON i.id = j.value;
END;
-- +goose StatementEnd

INSERT OR IGNORE INTO digest_invoices (digest_id, invoice_id, vendor_id, sent_at)
SELECT d.id, i.id, i.vendor_id, COALESCE(d.sent_at, d.updated_at)
FROM digests d, json_each('[' || d.invoice_ids || ']') j JOIN invoices i ON i.id = j.value
WHERE d.status = 'sent' AND d.invoice_ids <> '' AND json_valid('[' || d.invoice_ids || ']');

-- Pay-link clicks by time, for the reminder effect.
CREATE INDEX pay_clicks_created ON pay_clicks (created_at);

-- +goose Down
DROP INDEX pay_clicks_created;
DROP TRIGGER digests_invoices_update;
DROP TRIGGER digests_invoices_insert;
DROP TABLE digest_invoices;
DROP INDEX invoices_vendor_billed;
DROP TRIGGER invoices_billed_on_update;
DROP TRIGGER invoices_billed_on_insert;
ALTER TABLE invoices DROP COLUMN billed_on;
