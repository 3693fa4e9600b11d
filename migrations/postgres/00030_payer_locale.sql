-- +goose Up
-- Issue 13: the payer's locale decides how days are written in its portal,
-- digests and notices (locale.Supported: 'en-GB', 'en-US', 'de', ...).
-- Empty means not chosen: days read the default way, "1 Dec 2026".
ALTER TABLE payers ADD COLUMN locale TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE payers DROP COLUMN locale;
