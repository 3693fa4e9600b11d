-- +goose Up
-- Issue 15 (operator): the audit log, the operator's accounts, and the
-- operator's hold on a vendor. See the PostgreSQL file for the why.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    created_at  DATETIME NOT NULL,
    actor_kind  TEXT NOT NULL CHECK (actor_kind IN ('operator', 'member', 'api_key', 'cli', 'system')),
    actor_id    INTEGER,
    actor       TEXT NOT NULL DEFAULT '',
    ip          TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL DEFAULT '',
    target_id   TEXT NOT NULL DEFAULT '',
    target      TEXT NOT NULL DEFAULT '',
    vendor_id   INTEGER REFERENCES vendors (id),
    detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_vendor ON audit_log (vendor_id, id);

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

CREATE TABLE operator_admins (
    id                 INTEGER PRIMARY KEY,
    email              TEXT NOT NULL UNIQUE,
    created_at         DATETIME NOT NULL,
    disabled_at        DATETIME,
    session_generation INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE operator_signins (
    jti        TEXT PRIMARY KEY,
    admin_id   INTEGER NOT NULL REFERENCES operator_admins (id),
    expires_at DATETIME NOT NULL,
    used_at    DATETIME NOT NULL
);

-- The operator's hold on a vendor is vendors.status (00024); see the
-- PostgreSQL file.
ALTER TABLE vendors ADD COLUMN status_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE vendors ADD COLUMN status_at DATETIME;

-- +goose Down
ALTER TABLE vendors DROP COLUMN status_at;
ALTER TABLE vendors DROP COLUMN status_reason;
DROP TABLE operator_signins;
DROP TABLE operator_admins;
DROP TABLE audit_log;
