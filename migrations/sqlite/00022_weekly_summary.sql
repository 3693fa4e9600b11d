-- +goose Up
-- Issue 12: the weekly summary email to each vendor admin. One row per
-- vendor, week (the vendor-local Monday it goes out, YYYY-MM-DD) and admin,
-- inserted before the email is sent: the unique key makes two hub processes
-- (or a rerun) send it once. A failed send deletes its row, so the next
-- pass tries again.
CREATE TABLE weekly_summaries (
    id         INTEGER PRIMARY KEY,
    vendor_id  INTEGER NOT NULL REFERENCES vendors (id),
    member_id  INTEGER NOT NULL REFERENCES vendor_members (id),
    week_of    TEXT NOT NULL,
    sent_at    DATETIME,
    created_at DATETIME NOT NULL,
    UNIQUE (vendor_id, week_of, member_id)
);

-- An admin may turn the weekly summary off for themself.
ALTER TABLE vendor_members ADD COLUMN weekly_summary BOOLEAN NOT NULL DEFAULT 1;

-- +goose Down
ALTER TABLE vendor_members DROP COLUMN weekly_summary;
DROP TABLE weekly_summaries;
