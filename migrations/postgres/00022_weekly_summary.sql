-- +goose Up
-- Issue 12: the weekly summary email to each vendor admin. One row per
-- vendor, week (the vendor-local Monday it goes out, YYYY-MM-DD) and admin,
-- inserted before the email is sent: the unique key makes two hub processes
-- (or a rerun) send it once. A failed send deletes its row, so the next
-- pass tries again.
CREATE TABLE weekly_summaries (
    id         BIGSERIAL PRIMARY KEY,
    vendor_id  BIGINT NOT NULL REFERENCES vendors (id),
    member_id  BIGINT NOT NULL REFERENCES vendor_members (id),
    week_of    TEXT NOT NULL,
    sent_at    TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (vendor_id, week_of, member_id)
);

-- An admin may turn the weekly summary off for themself.
ALTER TABLE vendor_members ADD COLUMN weekly_summary BOOLEAN NOT NULL DEFAULT TRUE;

-- +goose Down
ALTER TABLE vendor_members DROP COLUMN weekly_summary;
DROP TABLE weekly_summaries;
