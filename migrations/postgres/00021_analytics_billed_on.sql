-- +goose Up
-- Issue 12 (analytics, second part).

-- The day an invoice was billed, in its vendor's time zone: the issue_date
-- the vendor sent, else the vendor's local day when the hub first saw it.
-- Kept by a trigger on every write path (PUT, batch, COPY) and indexed with
-- the vendor, so the analytics filter on it instead of on an expression no
-- index serves. A vendor who later changes time zone keeps the days
-- already recorded.
ALTER TABLE invoices ADD COLUMN billed_on DATE;

-- +goose StatementBegin
CREATE FUNCTION invoices_billed_on() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.issue_date IS NOT NULL THEN
        NEW.billed_on := NEW.issue_date;
    ELSIF TG_OP = 'INSERT' OR NEW.billed_on IS NULL OR OLD.issue_date IS NOT NULL THEN
        NEW.billed_on := (NEW.created_at AT TIME ZONE
            COALESCE((SELECT NULLIF(v.timezone, '') FROM vendors v WHERE v.id = NEW.vendor_id), 'UTC'))::date;
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER invoices_billed_on BEFORE INSERT OR UPDATE OF issue_date ON invoices
    FOR EACH ROW EXECUTE FUNCTION invoices_billed_on();

UPDATE invoices i SET billed_on = COALESCE(i.issue_date,
    (i.created_at AT TIME ZONE COALESCE(NULLIF(v.timezone, ''), 'UTC'))::date)
FROM vendors v WHERE v.id = i.vendor_id;
CREATE INDEX invoices_vendor_billed ON invoices (vendor_id, billed_on);

-- Which of a vendor's invoices each sent digest carried (digests list them
-- for every vendor in invoice_ids): written by a trigger when a digest
-- becomes sent, read by the reminder effect.
CREATE TABLE digest_invoices (
    digest_id  BIGINT NOT NULL REFERENCES digests (id),
    invoice_id BIGINT NOT NULL REFERENCES invoices (id),
    vendor_id  BIGINT NOT NULL REFERENCES vendors (id),
    sent_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (digest_id, invoice_id)
);
CREATE INDEX digest_invoices_vendor_sent ON digest_invoices (vendor_id, sent_at);
CREATE INDEX digest_invoices_invoice ON digest_invoices (invoice_id);

-- +goose StatementBegin
CREATE FUNCTION digest_invoices_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'sent' AND NEW.invoice_ids <> '' AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'sent') THEN
        INSERT INTO digest_invoices (digest_id, invoice_id, vendor_id, sent_at)
        SELECT NEW.id, i.id, i.vendor_id, COALESCE(NEW.sent_at, NEW.updated_at) FROM invoices i
        WHERE i.id IN (SELECT CASE WHEN x ~ '^[0-9]{1,18}$' THEN x::bigint END FROM unnest(string_to_array(NEW.invoice_ids, ',')) x)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER digests_invoices AFTER INSERT OR UPDATE OF status ON digests
    FOR EACH ROW EXECUTE FUNCTION digest_invoices_record();

INSERT INTO digest_invoices (digest_id, invoice_id, vendor_id, sent_at)
SELECT d.id, i.id, i.vendor_id, COALESCE(d.sent_at, d.updated_at)
FROM digests d CROSS JOIN LATERAL unnest(string_to_array(d.invoice_ids, ',')) x
JOIN invoices i ON i.id = CASE WHEN x ~ '^[0-9]{1,18}$' THEN x::bigint END
WHERE d.status = 'sent' AND d.invoice_ids <> ''
ON CONFLICT DO NOTHING;

-- Pay-link clicks per vendor and time, for the reminder effect.
CREATE INDEX pay_clicks_created ON pay_clicks (created_at);

-- +goose Down
DROP INDEX pay_clicks_created;
DROP TRIGGER digests_invoices ON digests;
DROP FUNCTION digest_invoices_record();
DROP TABLE digest_invoices;
DROP INDEX invoices_vendor_billed;
DROP TRIGGER invoices_billed_on ON invoices;
DROP FUNCTION invoices_billed_on();
ALTER TABLE invoices DROP COLUMN billed_on;
