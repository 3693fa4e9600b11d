-- +goose Up
-- The portal inbox sums a payer's open invoices by vendor, currency and
-- bucket on every page view, and reads one page of them. These two indexes
-- let it do so from indexes alone (an index-only scan while the visibility
-- map is current): the payer's customers, then their open invoices with
-- everything the aggregate reads.
CREATE INDEX customers_payer_customer ON customers (payer_id, id);
DROP INDEX customers_payer;
CREATE INDEX invoices_customer_inbox ON invoices (customer_id)
    INCLUDE (vendor_id, currency, due_date, amount_remaining, id)
    WHERE status = 'open' AND amount_remaining > 0;

-- +goose Down
DROP INDEX invoices_customer_inbox;
CREATE INDEX customers_payer ON customers (payer_id);
DROP INDEX customers_payer_customer;
