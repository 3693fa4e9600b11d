-- +goose Up
-- The portal inbox sums a payer's open invoices by vendor, currency and
-- bucket on every page view, and reads one page of them. This index covers
-- what the aggregate reads (the rowid is in every SQLite index, so
-- customers_payer already covers the customers side): it never touches the
-- invoices' rows.
CREATE INDEX invoices_customer_inbox ON invoices (customer_id, vendor_id, currency, due_date, amount_remaining)
    WHERE status = 'open' AND amount_remaining > 0;

-- +goose Down
DROP INDEX invoices_customer_inbox;
