-- +goose Up
-- Issue 15 (operator): the audit log, the operator's accounts, and the
-- operator's hold on a vendor.

-- Every security-relevant action, once, never changed: who (actor_kind and
-- actor_id name an operator, a vendor member, an API key, the CLI or the hub
-- itself; actor is their label at the time), when, from where, what and on
-- what. vendor_id is the vendor the row concerns (its admins see it), NULL
-- for hub-wide actions only the operator sees. Targets never hold a payer's
-- full address (it is masked), so erasure never has to touch this table.
CREATE TABLE audit_log (
    id          BIGSERIAL PRIMARY KEY,
    created_at  TIMESTAMPTZ NOT NULL,
    actor_kind  TEXT NOT NULL CHECK (actor_kind IN ('operator', 'member', 'api_key', 'cli', 'system')),
    actor_id    BIGINT,
    actor       TEXT NOT NULL DEFAULT '',
    ip          TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL DEFAULT '',
    target_id   TEXT NOT NULL DEFAULT '',
    target      TEXT NOT NULL DEFAULT '',
    vendor_id   BIGINT REFERENCES vendors (id),
    detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_vendor ON audit_log (vendor_id, id);

-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- The hub operator's accounts (duehub admins create --email E). Never
-- deleted, only disabled; signing out bumps session_generation.
CREATE TABLE operator_admins (
    id                 BIGSERIAL PRIMARY KEY,
    email              TEXT NOT NULL UNIQUE,
    created_at         TIMESTAMPTZ NOT NULL,
    disabled_at        TIMESTAMPTZ,
    session_generation BIGINT NOT NULL DEFAULT 0
);

-- Operator sign-in links already used: each opens one session, once.
CREATE TABLE operator_signins (
    jti        TEXT PRIMARY KEY,
    admin_id   BIGINT NOT NULL REFERENCES operator_admins (id),
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ NOT NULL
);

-- The operator's hold on a vendor is vendors.status (00024): the console
-- approves a pending vendor (active) or suspends one (suspended); only an
-- active vendor's invoices go into digests and a suspended vendor's API
-- answers 403. Changed only through vendors.SetOperatorStatus, which keeps
-- the reason the vendor is told and when.
ALTER TABLE vendors ADD COLUMN status_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE vendors ADD COLUMN status_at TIMESTAMPTZ;

-- +goose Down
ALTER TABLE vendors DROP COLUMN status_at;
ALTER TABLE vendors DROP COLUMN status_reason;
DROP TABLE operator_signins;
DROP TABLE operator_admins;
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
