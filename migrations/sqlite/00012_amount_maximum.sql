-- +goose Up
-- Amounts are at most 10^12 minor units (money.MaxAmount), so no total of a
-- payer's invoices comes near the int64 range. The API refuses larger ones
-- with a 422 first; this is the database's own guard. SQLite cannot add a
-- CHECK to a table, so triggers check new and changed rows (amount_remaining
-- is already at most the amount).
-- +goose StatementBegin
CREATE TRIGGER invoices_amount_due_max_insert BEFORE INSERT ON invoices
WHEN NEW.amount_due > 1000000000000
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: invoices_amount_due_max');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER invoices_amount_due_max_update BEFORE UPDATE OF amount_due ON invoices
WHEN NEW.amount_due > 1000000000000
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: invoices_amount_due_max');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER credit_notes_amount_max_insert BEFORE INSERT ON credit_notes
WHEN NEW.amount > 1000000000000
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: credit_notes_amount_max');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER credit_notes_amount_max_update BEFORE UPDATE OF amount ON credit_notes
WHEN NEW.amount > 1000000000000
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: credit_notes_amount_max');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER credit_notes_amount_max_update;
DROP TRIGGER credit_notes_amount_max_insert;
DROP TRIGGER invoices_amount_due_max_update;
DROP TRIGGER invoices_amount_due_max_insert;
