-- +goose Up
-- Issue 12: monthly rollups of the vendor's paid invoices, so that a report
-- over three years reads ~36 rows and scans only the edges of its period
-- and the open book, instead of every paid invoice (package analytics,
-- months.go). One row per vendor and calendar month of its time zone,
-- written when a report first needs a month that has ended; figures is the
-- month's aggregates per currency, as JSON. start_at/end_at and
-- first_day/last_day are the month's bounds as instants and days, so the
-- trigger below finds the rows an invoice falls in without time zones.
CREATE TABLE analytics_months (
    vendor_id   BIGINT NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    month       TEXT NOT NULL,
    timezone    TEXT NOT NULL,
    start_at    TIMESTAMPTZ NOT NULL,
    end_at      TIMESTAMPTZ NOT NULL,
    first_day   DATE NOT NULL,
    last_day    DATE NOT NULL,
    figures     TEXT NOT NULL,
    computed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (vendor_id, month)
);

-- A write that changes a paid invoice (or makes one) drops the rows of the
-- months it was paid and billed in, before and after; the next report
-- computes them again. The shared advisory lock pairs with the exclusive
-- one a report takes while it computes months (monthsLock in package
-- analytics, months.go): a report never stores a month from before a
-- write whose trigger has run and not yet committed, and a write committed
-- after the report read its snapshot finds the stored row and drops it.
-- Writers run at READ COMMITTED, so the DELETE sees rows committed while
-- it waited.
-- +goose StatementBegin
CREATE FUNCTION analytics_months_drop_for(vendor BIGINT, paid TIMESTAMPTZ, billed DATE) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(1634626681, (vendor & 2147483647)::int4);
    DELETE FROM analytics_months m WHERE m.vendor_id = vendor
        AND ((paid >= m.start_at AND paid < m.end_at) OR (billed >= m.first_day AND billed <= m.last_day));
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION analytics_months_drop() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.status = 'paid' THEN
        PERFORM analytics_months_drop_for(OLD.vendor_id, OLD.paid_at, OLD.billed_on);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.status = 'paid' THEN
        PERFORM analytics_months_drop_for(NEW.vendor_id, NEW.paid_at, NEW.billed_on);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER invoices_analytics_months_insert AFTER INSERT ON invoices
    FOR EACH ROW WHEN (NEW.status = 'paid') EXECUTE FUNCTION analytics_months_drop();
CREATE TRIGGER invoices_analytics_months_update AFTER UPDATE ON invoices
    FOR EACH ROW WHEN ((OLD.status = 'paid' OR NEW.status = 'paid')
        AND (OLD.status, OLD.paid_at, OLD.billed_on, OLD.due_date, OLD.amount_due, OLD.currency)
            IS DISTINCT FROM (NEW.status, NEW.paid_at, NEW.billed_on, NEW.due_date, NEW.amount_due, NEW.currency))
    EXECUTE FUNCTION analytics_months_drop();
CREATE TRIGGER invoices_analytics_months_delete AFTER DELETE ON invoices
    FOR EACH ROW WHEN (OLD.status = 'paid') EXECUTE FUNCTION analytics_months_drop();

-- The open book by billing day: what a report reads live beside the
-- rollups (billing cohorts, sales and receivables of the open invoices).
CREATE INDEX invoices_vendor_open_billed ON invoices (vendor_id, billed_on) WHERE status = 'open';

-- +goose Down
DROP INDEX invoices_vendor_open_billed;
DROP TRIGGER invoices_analytics_months_delete ON invoices;
DROP TRIGGER invoices_analytics_months_update ON invoices;
DROP TRIGGER invoices_analytics_months_insert ON invoices;
DROP FUNCTION analytics_months_drop();
DROP FUNCTION analytics_months_drop_for(BIGINT, TIMESTAMPTZ, DATE);
DROP TABLE analytics_months;
