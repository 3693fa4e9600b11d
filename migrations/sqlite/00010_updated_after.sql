-- +goose Up
-- GET /v1/invoices, /v1/credits and /v1/threads take updated_after: a sync
-- reads only the vendor's rows changed since then, in id order.
CREATE INDEX invoices_vendor_updated ON invoices (vendor_id, updated_at, id);
CREATE INDEX credit_notes_vendor_updated ON credit_notes (vendor_id, updated_at, id);
CREATE INDEX threads_vendor_updated ON threads (vendor_id, updated_at, id);

-- +goose Down
DROP INDEX threads_vendor_updated;
DROP INDEX credit_notes_vendor_updated;
DROP INDEX invoices_vendor_updated;
