-- +goose Up
-- A new promise to pay on an invoice replaces the payer's earlier one; the
-- vendor's queue shows the earlier one as superseded by it rather than
-- dropping it silently, so the old hold names the hold that replaced it.
ALTER TABLE holds ADD COLUMN superseded_by BIGINT;

-- +goose Down
ALTER TABLE holds DROP COLUMN superseded_by;
