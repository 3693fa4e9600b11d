-- +goose Up
-- Issue 15: a vendor's branding, shown on that vendor's section of the
-- digest and the portal. accent is a checked "#rrggbb" ('' for none); the
-- logo is stored already sanitised (package branding) and served by the hub
-- at /brand/<vendor>/<logo_hash>.<logo_type>; no logo: '' and NULL.
CREATE TABLE vendor_brandings (
    vendor_id  BIGINT PRIMARY KEY REFERENCES vendors (id),
    accent     TEXT NOT NULL DEFAULT '' CHECK (accent = '' OR accent ~ '^#[0-9a-f]{6}$'),
    logo_type  TEXT NOT NULL DEFAULT '' CHECK (logo_type IN ('', 'png', 'svg')),
    logo_hash  TEXT NOT NULL DEFAULT '',
    logo       BYTEA CHECK (octet_length(logo) <= 262144),
    updated_at TIMESTAMPTZ NOT NULL,
    CHECK ((logo_type = '') = (logo IS NULL) AND (logo_type = '') = (logo_hash = ''))
);

-- +goose Down
DROP TABLE vendor_brandings;
