-- +goose Up
-- Amounts are at most 10^12 minor units (money.MaxAmount), so no total of a
-- payer's invoices comes near the int64 range. The API refuses larger ones
-- with a 422 first; this is the database's own guard. NOT VALID: rows stored
-- before the limit existed are left as they are, new and changed rows are checked.
ALTER TABLE invoices ADD CONSTRAINT invoices_amount_due_max CHECK (amount_due <= 1000000000000) NOT VALID;
ALTER TABLE credit_notes ADD CONSTRAINT credit_notes_amount_max CHECK (amount <= 1000000000000) NOT VALID;

-- +goose Down
ALTER TABLE credit_notes DROP CONSTRAINT credit_notes_amount_max;
ALTER TABLE invoices DROP CONSTRAINT invoices_amount_due_max;
