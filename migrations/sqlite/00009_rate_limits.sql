-- +goose Up
-- Sliding-window request counters shared by every `duehub serve` process:
-- one row per limited key (an API key, a client IP, a hashed address) and
-- rule. win is the index of the current fixed window (Unix time divided by
-- the window length), cur and prev the requests admitted in it and in the
-- one before; ok says whether the last check admitted. expires_at (Unix
-- milliseconds) is when the row stops mattering and may be deleted.
CREATE TABLE rate_limits (
    bucket     TEXT PRIMARY KEY,
    win        INTEGER NOT NULL,
    cur        INTEGER NOT NULL,
    prev       INTEGER NOT NULL,
    ok         INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX rate_limits_expires_at ON rate_limits (expires_at);

-- +goose Down
DROP TABLE rate_limits;
