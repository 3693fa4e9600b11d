-- +goose Up
-- Issue 12: the network benchmarks, computed by a nightly job (and on start
-- when missing) for the standard periods of 30, 90 and 365 days, so that no
-- analytics request waits for the scan of the whole network. One pass row
-- per period; each vendor's own values (its size as the figure 'billed');
-- and per size class and figure the quartiles, which are kept only when at
-- least 10 vendors have the figure (the count is kept either way). Only
-- aggregates leave these tables: a vendor reads its own values and its
-- class's quartiles.
CREATE TABLE network_passes (
    period_days INTEGER PRIMARY KEY,
    period_from DATE NOT NULL,
    period_to   DATE NOT NULL,
    computed_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE network_values (
    period_days INTEGER NOT NULL,
    vendor_id   BIGINT NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    figure      TEXT NOT NULL,
    value       DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (period_days, vendor_id, figure)
);

CREATE TABLE network_quartiles (
    period_days INTEGER NOT NULL,
    size_class  INTEGER NOT NULL,
    figure      TEXT NOT NULL,
    vendors     INTEGER NOT NULL,
    p25         DOUBLE PRECISION,
    median      DOUBLE PRECISION,
    p75         DOUBLE PRECISION,
    PRIMARY KEY (period_days, size_class, figure)
);

-- +goose Down
DROP TABLE network_quartiles;
DROP TABLE network_values;
DROP TABLE network_passes;
