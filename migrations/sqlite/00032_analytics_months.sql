-- +goose Up
-- Issue 12: monthly rollups of the vendor's paid invoices, so that a report
-- over three years reads ~36 rows and scans only the edges of its period
-- and the open book, instead of every paid invoice (package analytics,
-- months.go). One row per vendor and calendar month of its time zone,
-- written when a report first needs a month that has ended; figures is the
-- month's aggregates per currency, as JSON. start_at/end_at and
-- first_day/last_day are the month's bounds as instants and days, so the
-- triggers below find the rows an invoice falls in without time zones.
CREATE TABLE analytics_months (
    vendor_id   INTEGER NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    month       TEXT NOT NULL,
    timezone    TEXT NOT NULL,
    start_at    DATETIME NOT NULL,
    end_at      DATETIME NOT NULL,
    first_day   DATE NOT NULL,
    last_day    DATE NOT NULL,
    figures     TEXT NOT NULL,
    computed_at DATETIME NOT NULL,
    PRIMARY KEY (vendor_id, month)
);

-- A write that changes a paid invoice (or makes one) drops the rows of the
-- months it was paid and billed in, before and after; the next report
-- computes them again. SQLite has one writer, and a report computes and
-- stores its months in one transaction, so no write falls between. The
-- billed_on an insert gets comes from the trigger of migration 00021, an
-- UPDATE, which the update trigger here sees.
-- +goose StatementBegin
CREATE TRIGGER invoices_analytics_months_insert AFTER INSERT ON invoices
WHEN NEW.status = 'paid'
BEGIN
    DELETE FROM analytics_months WHERE vendor_id = NEW.vendor_id
        AND ((NEW.paid_at >= start_at AND NEW.paid_at < end_at)
          OR (NEW.billed_on >= first_day AND NEW.billed_on <= last_day));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER invoices_analytics_months_update AFTER UPDATE ON invoices
WHEN (OLD.status = 'paid' OR NEW.status = 'paid')
    AND (OLD.status IS NOT NEW.status OR OLD.paid_at IS NOT NEW.paid_at OR OLD.billed_on IS NOT NEW.billed_on
      OR OLD.due_date IS NOT NEW.due_date OR OLD.amount_due IS NOT NEW.amount_due OR OLD.currency IS NOT NEW.currency)
BEGIN
    DELETE FROM analytics_months WHERE vendor_id = OLD.vendor_id AND OLD.status = 'paid'
        AND ((OLD.paid_at >= start_at AND OLD.paid_at < end_at)
          OR (OLD.billed_on >= first_day AND OLD.billed_on <= last_day));
    DELETE FROM analytics_months WHERE vendor_id = NEW.vendor_id AND NEW.status = 'paid'
        AND ((NEW.paid_at >= start_at AND NEW.paid_at < end_at)
          OR (NEW.billed_on >= first_day AND NEW.billed_on <= last_day));
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER invoices_analytics_months_delete AFTER DELETE ON invoices
WHEN OLD.status = 'paid'
BEGIN
    DELETE FROM analytics_months WHERE vendor_id = OLD.vendor_id
        AND ((OLD.paid_at >= start_at AND OLD.paid_at < end_at)
          OR (OLD.billed_on >= first_day AND OLD.billed_on <= last_day));
END;
-- +goose StatementEnd

-- The open book by billing day: what a report reads live beside the
-- rollups (billing cohorts, sales and receivables of the open invoices).
CREATE INDEX invoices_vendor_open_billed ON invoices (vendor_id, billed_on) WHERE status = 'open';

-- +goose Down
DROP INDEX invoices_vendor_open_billed;
DROP TRIGGER invoices_analytics_months_delete;
DROP TRIGGER invoices_analytics_months_update;
DROP TRIGGER invoices_analytics_months_insert;
DROP TABLE analytics_months;
