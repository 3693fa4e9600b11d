-- +goose Up
-- Issue 15: an import may go to the vendor's test-mode sandbox (the vendor
-- row its dh_test_ keys write to) instead of its live data. The run stays
-- the live vendor's, labelled, so its team sees it beside its live imports.
ALTER TABLE import_runs ADD COLUMN test_mode BOOLEAN NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE import_runs DROP COLUMN test_mode;
