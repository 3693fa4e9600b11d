-- +goose Up
-- The payer's rhythm (issue 11): one regular digest a week on the payer's
-- own day and hour is the default cadence. 'smart' stays as the "twice
-- weekly" choice; every payer still on it, which until now was everyone who
-- had not chosen, moves to the rhythm. SQLite cannot change a CHECK, so the
-- column is replaced; the trigger naming it is dropped and recreated.
DROP TRIGGER payers_plan_update;
ALTER TABLE payers RENAME COLUMN cadence TO cadence_before_rhythm;
ALTER TABLE payers ADD COLUMN cadence TEXT NOT NULL DEFAULT 'rhythm'
    CHECK (cadence IN ('rhythm', 'smart', 'weekly', 'daily', 'payment_run'));
UPDATE payers SET cadence = CASE cadence_before_rhythm WHEN 'smart' THEN 'rhythm' ELSE cadence_before_rhythm END;
ALTER TABLE payers DROP COLUMN cadence_before_rhythm;

-- The weekday and hour (payer-local) the payer acts on most, learned from
-- its portal actions and pay clicks; NULL until there are enough of them.
ALTER TABLE payers ADD COLUMN rhythm_weekday INTEGER CHECK (rhythm_weekday BETWEEN 0 AND 6);
ALTER TABLE payers ADD COLUMN rhythm_hour INTEGER CHECK (rhythm_hour BETWEEN 0 AND 23);
-- The short "due now" message between two regular digests; payers may opt out.
ALTER TABLE payers ADD COLUMN urgent_enabled BOOLEAN NOT NULL DEFAULT 1;
-- Every payer is decided again under the new rules.
UPDATE payers SET next_plan_at = NULL;

-- When a payer acted (portal action, pay click), the input of the learned
-- rhythm.
CREATE TABLE payer_activity (
    id       INTEGER PRIMARY KEY,
    payer_id INTEGER NOT NULL REFERENCES payers (id),
    at       DATETIME NOT NULL
);
CREATE INDEX payer_activity_payer ON payer_activity (payer_id, at);

-- A ledger row is a regular digest or a short "due now" message.
ALTER TABLE digests ADD COLUMN kind TEXT NOT NULL DEFAULT 'regular' CHECK (kind IN ('regular', 'urgent'));

-- +goose StatementBegin
CREATE TRIGGER payers_plan_update AFTER UPDATE OF key, timezone, cadence, weekday, run_days, send_hour, send_minute,
    min_interval_hours, email_enabled, sms_enabled, paused_until, last_action_at, rhythm_weekday, rhythm_hour,
    urgent_enabled ON payers
WHEN OLD.key IS NOT NEW.key OR OLD.timezone IS NOT NEW.timezone OR OLD.cadence IS NOT NEW.cadence
  OR OLD.weekday IS NOT NEW.weekday OR OLD.run_days IS NOT NEW.run_days OR OLD.send_hour IS NOT NEW.send_hour
  OR OLD.send_minute IS NOT NEW.send_minute OR OLD.min_interval_hours IS NOT NEW.min_interval_hours
  OR OLD.email_enabled IS NOT NEW.email_enabled OR OLD.sms_enabled IS NOT NEW.sms_enabled
  OR OLD.paused_until IS NOT NEW.paused_until OR OLD.last_action_at IS NOT NEW.last_action_at
  OR OLD.rhythm_weekday IS NOT NEW.rhythm_weekday OR OLD.rhythm_hour IS NOT NEW.rhythm_hour
  OR OLD.urgent_enabled IS NOT NEW.urgent_enabled
BEGIN
    INSERT INTO plan_invalidations (payer_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER payers_plan_update;
ALTER TABLE digests DROP COLUMN kind;
DROP INDEX payer_activity_payer;
DROP TABLE payer_activity;
ALTER TABLE payers DROP COLUMN urgent_enabled;
ALTER TABLE payers DROP COLUMN rhythm_hour;
ALTER TABLE payers DROP COLUMN rhythm_weekday;
ALTER TABLE payers RENAME COLUMN cadence TO cadence_rhythm;
ALTER TABLE payers ADD COLUMN cadence TEXT NOT NULL DEFAULT 'smart' CHECK (cadence IN ('smart', 'weekly', 'daily', 'payment_run'));
UPDATE payers SET cadence = CASE cadence_rhythm WHEN 'rhythm' THEN 'smart' ELSE cadence_rhythm END, next_plan_at = NULL;
ALTER TABLE payers DROP COLUMN cadence_rhythm;
-- +goose StatementBegin
CREATE TRIGGER payers_plan_update AFTER UPDATE OF key, timezone, cadence, weekday, run_days, send_hour, send_minute,
    min_interval_hours, email_enabled, sms_enabled, paused_until, last_action_at ON payers
WHEN OLD.key IS NOT NEW.key OR OLD.timezone IS NOT NEW.timezone OR OLD.cadence IS NOT NEW.cadence
  OR OLD.weekday IS NOT NEW.weekday OR OLD.run_days IS NOT NEW.run_days OR OLD.send_hour IS NOT NEW.send_hour
  OR OLD.send_minute IS NOT NEW.send_minute OR OLD.min_interval_hours IS NOT NEW.min_interval_hours
  OR OLD.email_enabled IS NOT NEW.email_enabled OR OLD.sms_enabled IS NOT NEW.sms_enabled
  OR OLD.paused_until IS NOT NEW.paused_until OR OLD.last_action_at IS NOT NEW.last_action_at
BEGIN
    INSERT INTO plan_invalidations (payer_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
END;
-- +goose StatementEnd
