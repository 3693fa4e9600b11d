-- +goose Up
-- Issue 15 (vendors by themselves): sign-up with approval, test-mode
-- sandboxes, API key labels and roll grace periods, CSV import mappings
-- and runs.

-- status: 'active' vendors are carried in digests (vendors.InDigestsSQL);
-- 'pending' ones await the operator's approval; 'sandbox' rows are the
-- test mode of the live vendor they name in live_vendor_id. Other values
-- (e.g. the operator's 'suspended') are not carried either.
ALTER TABLE vendors ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE vendors ADD COLUMN live_vendor_id BIGINT REFERENCES vendors (id);
CREATE UNIQUE INDEX vendors_sandbox ON vendors (live_vendor_id);

ALTER TABLE api_keys ADD COLUMN label TEXT NOT NULL DEFAULT '';
-- A rolled key keeps working until expires_at (at most 7 days).
ALTER TABLE api_keys ADD COLUMN expires_at TIMESTAMPTZ;

-- Sign-up verification links already used: each creates one vendor, once.
CREATE TABLE vendor_signup_links (
    jti        TEXT PRIMARY KEY,
    vendor_id  BIGINT NOT NULL REFERENCES vendors (id),
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ NOT NULL
);

-- The CSV column mapping a vendor saved, as JSON {field: column header}.
CREATE TABLE import_mappings (
    vendor_id  BIGINT PRIMARY KEY REFERENCES vendors (id),
    mapping    TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- One import of a file: its counts and the rows that failed, as CSV.
CREATE TABLE import_runs (
    id          BIGSERIAL PRIMARY KEY,
    vendor_id   BIGINT NOT NULL REFERENCES vendors (id),
    member_id   BIGINT REFERENCES vendor_members (id),
    filename    TEXT NOT NULL DEFAULT '',
    rows_total  BIGINT NOT NULL DEFAULT 0,
    created     BIGINT NOT NULL DEFAULT 0,
    updated     BIGINT NOT NULL DEFAULT 0,
    unchanged   BIGINT NOT NULL DEFAULT 0,
    errors      BIGINT NOT NULL DEFAULT 0,
    error_csv   TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX import_runs_vendor ON import_runs (vendor_id, id);

-- +goose Down
DROP TABLE import_runs;
DROP TABLE import_mappings;
DROP TABLE vendor_signup_links;
ALTER TABLE api_keys DROP COLUMN expires_at;
ALTER TABLE api_keys DROP COLUMN label;
DROP INDEX vendors_sandbox;
ALTER TABLE vendors DROP COLUMN live_vendor_id;
ALTER TABLE vendors DROP COLUMN status;
