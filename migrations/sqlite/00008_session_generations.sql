-- +goose Up
-- Signing out revokes by counter, not by clock: a payer's sessions, links
-- and SMS short links carry the generation they were issued under, and
-- "sign me out everywhere" bumps it. A clock compared to the second let a
-- session issued in the same second as the sign-out survive it.
ALTER TABLE payers ADD COLUMN token_generation INTEGER NOT NULL DEFAULT 0;
-- Payers who signed out before this migration: everything issued earlier
-- carries generation 0, so it is refused.
UPDATE payers SET token_generation = 1 WHERE tokens_valid_after IS NOT NULL;
ALTER TABLE short_links ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
-- A vendor member's sign-out ends every session of the member server side.
ALTER TABLE vendor_members ADD COLUMN session_generation INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE vendor_members DROP COLUMN session_generation;
ALTER TABLE short_links DROP COLUMN generation;
ALTER TABLE payers DROP COLUMN token_generation;
