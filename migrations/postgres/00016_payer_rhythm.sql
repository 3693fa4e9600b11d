-- +goose Up
-- The payer's rhythm (issue 11): one regular digest a week on the payer's
-- own day and hour is the default cadence. 'smart' stays as the "twice
-- weekly" choice; every payer still on it, which until now was everyone who
-- had not chosen, moves to the rhythm.
ALTER TABLE payers DROP CONSTRAINT payers_cadence_check;
ALTER TABLE payers ADD CONSTRAINT payers_cadence_check
    CHECK (cadence IN ('rhythm', 'smart', 'weekly', 'daily', 'payment_run'));
ALTER TABLE payers ALTER COLUMN cadence SET DEFAULT 'rhythm';
UPDATE payers SET cadence = 'rhythm' WHERE cadence = 'smart';

-- The weekday and hour (payer-local) the payer acts on most, learned from
-- its portal actions and pay clicks; NULL until there are enough of them.
ALTER TABLE payers ADD COLUMN rhythm_weekday SMALLINT CHECK (rhythm_weekday BETWEEN 0 AND 6);
ALTER TABLE payers ADD COLUMN rhythm_hour SMALLINT CHECK (rhythm_hour BETWEEN 0 AND 23);
-- The short "due now" message between two regular digests; payers may opt out.
ALTER TABLE payers ADD COLUMN urgent_enabled BOOLEAN NOT NULL DEFAULT TRUE;
-- Every payer is decided again under the new rules.
UPDATE payers SET next_plan_at = NULL;

-- When a payer acted (portal action, pay click), the input of the learned
-- rhythm.
CREATE TABLE payer_activity (
    id       BIGSERIAL PRIMARY KEY,
    payer_id BIGINT NOT NULL REFERENCES payers (id),
    at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX payer_activity_payer ON payer_activity (payer_id, at);

-- A ledger row is a regular digest or a short "due now" message.
ALTER TABLE digests ADD COLUMN kind TEXT NOT NULL DEFAULT 'regular' CHECK (kind IN ('regular', 'urgent'));

DROP TRIGGER payers_plan_update ON payers;
CREATE TRIGGER payers_plan_update AFTER UPDATE OF key, timezone, cadence, weekday, run_days, send_hour, send_minute,
    min_interval_hours, email_enabled, sms_enabled, paused_until, last_action_at, rhythm_weekday, rhythm_hour,
    urgent_enabled ON payers
    FOR EACH ROW WHEN ((OLD.key, OLD.timezone, OLD.cadence, OLD.weekday, OLD.run_days, OLD.send_hour, OLD.send_minute,
        OLD.min_interval_hours, OLD.email_enabled, OLD.sms_enabled, OLD.paused_until, OLD.last_action_at,
        OLD.rhythm_weekday, OLD.rhythm_hour, OLD.urgent_enabled)
        IS DISTINCT FROM (NEW.key, NEW.timezone, NEW.cadence, NEW.weekday, NEW.run_days, NEW.send_hour, NEW.send_minute,
        NEW.min_interval_hours, NEW.email_enabled, NEW.sms_enabled, NEW.paused_until, NEW.last_action_at,
        NEW.rhythm_weekday, NEW.rhythm_hour, NEW.urgent_enabled))
    EXECUTE FUNCTION plan_payer_changed();

-- +goose Down
DROP TRIGGER payers_plan_update ON payers;
CREATE TRIGGER payers_plan_update AFTER UPDATE OF key, timezone, cadence, weekday, run_days, send_hour, send_minute,
    min_interval_hours, email_enabled, sms_enabled, paused_until, last_action_at ON payers
    FOR EACH ROW WHEN ((OLD.key, OLD.timezone, OLD.cadence, OLD.weekday, OLD.run_days, OLD.send_hour, OLD.send_minute,
        OLD.min_interval_hours, OLD.email_enabled, OLD.sms_enabled, OLD.paused_until, OLD.last_action_at)
        IS DISTINCT FROM (NEW.key, NEW.timezone, NEW.cadence, NEW.weekday, NEW.run_days, NEW.send_hour, NEW.send_minute,
        NEW.min_interval_hours, NEW.email_enabled, NEW.sms_enabled, NEW.paused_until, NEW.last_action_at))
    EXECUTE FUNCTION plan_payer_changed();
ALTER TABLE digests DROP COLUMN kind;
DROP TABLE payer_activity;
ALTER TABLE payers DROP COLUMN urgent_enabled;
ALTER TABLE payers DROP COLUMN rhythm_hour;
ALTER TABLE payers DROP COLUMN rhythm_weekday;
UPDATE payers SET cadence = 'smart', next_plan_at = NULL WHERE cadence = 'rhythm';
ALTER TABLE payers ALTER COLUMN cadence SET DEFAULT 'smart';
ALTER TABLE payers DROP CONSTRAINT payers_cadence_check;
ALTER TABLE payers ADD CONSTRAINT payers_cadence_check CHECK (cadence IN ('smart', 'weekly', 'daily', 'payment_run'));
