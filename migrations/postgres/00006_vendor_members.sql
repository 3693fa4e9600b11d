-- +goose Up
-- The people of a vendor's AR team who use the web inbox. A member is
-- never deleted, only disabled, so that assignments keep their name.
CREATE TABLE vendor_members (
    id          BIGSERIAL PRIMARY KEY,
    vendor_id   BIGINT NOT NULL REFERENCES vendors (id),
    email       TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    role        TEXT NOT NULL CHECK (role IN ('admin', 'agent')),
    created_at  TIMESTAMPTZ NOT NULL,
    disabled_at TIMESTAMPTZ,
    UNIQUE (vendor_id, email)
);
CREATE INDEX vendor_members_email ON vendor_members (email);

-- Who on the team looks after a thread.
ALTER TABLE threads ADD COLUMN assignee_id BIGINT REFERENCES vendor_members (id);

-- Sign-in links already used: a magic link opens one session, once.
CREATE TABLE vendor_signins (
    jti        TEXT PRIMARY KEY,
    member_id  BIGINT NOT NULL REFERENCES vendor_members (id),
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ NOT NULL
);

-- What each vendor's team was told: the last question.created or
-- dispute.created event it was emailed about, and the vendor-local day of
-- its last daily summary. Existing events are not announced again.
CREATE TABLE vendor_team_mail (
    vendor_id    BIGINT PRIMARY KEY REFERENCES vendors (id),
    event_cursor BIGINT NOT NULL DEFAULT 0,
    summary_on   TEXT NOT NULL DEFAULT '',
    updated_at   TIMESTAMPTZ NOT NULL
);
INSERT INTO vendor_team_mail (vendor_id, event_cursor, updated_at)
SELECT vendor_id, MAX(id), CURRENT_TIMESTAMP FROM events GROUP BY vendor_id;
CREATE INDEX events_type ON events (type, id);

-- +goose Down
DROP INDEX events_type;
DROP TABLE vendor_team_mail;
DROP TABLE vendor_signins;
ALTER TABLE threads DROP COLUMN assignee_id;
DROP TABLE vendor_members;
