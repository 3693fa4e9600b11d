-- +goose Up
-- Sliding-window request counters shared by every `duehub serve` process:
-- one row per limited key (an API key, a client IP, a hashed address) and
-- rule. win is the index of the current fixed window (Unix time divided by
-- the window length), cur and prev the requests admitted in it and in the
-- one before; ok says whether the last check admitted. expires_at (Unix
-- milliseconds) is when the row stops mattering and may be deleted.
-- UNLOGGED: a counter lost in a crash costs nothing, and a commit that writes
-- no WAL need not wait for a flush. Every API request of one key updates one
-- row, so a logged table made them queue on that row's lock for an fsync each
-- (PUT p50 3 ms → 100–400 ms at 500/s in the bench smoke run).
CREATE UNLOGGED TABLE rate_limits (
    bucket     TEXT PRIMARY KEY,
    win        BIGINT NOT NULL,
    cur        BIGINT NOT NULL,
    prev       BIGINT NOT NULL,
    ok         SMALLINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX rate_limits_expires_at ON rate_limits (expires_at);

-- +goose Down
DROP TABLE rate_limits;
