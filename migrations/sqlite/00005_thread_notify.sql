-- +goose Up
-- When the payer was last emailed about a vendor's answer on the thread:
-- at most one such notification per thread per 10 minutes.
ALTER TABLE threads ADD COLUMN payer_notified_at DATETIME;

-- +goose Down
ALTER TABLE threads DROP COLUMN payer_notified_at;
