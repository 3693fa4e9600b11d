-- +goose Up
-- The minute planner reads only payers whose decision may have changed:
-- next_plan_at is the earliest instant the planner's decision for the payer
-- could change with no change of state (next window, local midnight, a hold
-- or pause ending, at most an hour ahead); NULL means "at the next pass".
-- plan_epoch counts resets, so a planner that read a payer before a reset
-- cannot overwrite it with an instant decided on older state.
ALTER TABLE payers ADD COLUMN next_plan_at DATETIME;
ALTER TABLE payers ADD COLUMN plan_epoch INTEGER NOT NULL DEFAULT 0;
CREATE INDEX payers_next_plan ON payers (next_plan_at, id);

-- Payers whose planning inputs changed since the last pass. Triggers on
-- every table the decision reads append here; the planner, at the start of
-- each pass, resets next_plan_at of the payers listed and empties the table.
-- A queue rather than an UPDATE of payers keeps pushes from taking a payer
-- row lock (PostgreSQL shares these triggers' design).
CREATE TABLE plan_invalidations (
    payer_id INTEGER PRIMARY KEY
);

-- Suppressing an address finds the payers it reaches by these.
CREATE INDEX payer_contacts_email ON payer_contacts (value) WHERE kind = 'email';
CREATE INDEX customers_sms_phone ON customers (phone) WHERE sms_consent;

-- Invoices: only open invoices with something left are planned, by due
-- date and payer; amounts otherwise matter only when the digest is built.
-- +goose StatementBegin
CREATE TRIGGER invoices_plan_insert AFTER INSERT ON invoices
WHEN NEW.status = 'open' AND NEW.amount_remaining > 0
BEGIN
    INSERT INTO plan_invalidations (payer_id)
    SELECT payer_id FROM customers WHERE id = NEW.customer_id ON CONFLICT DO NOTHING;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER invoices_plan_update AFTER UPDATE OF status, amount_remaining, due_date, customer_id ON invoices
WHEN ((OLD.status = 'open' AND OLD.amount_remaining > 0) OR (NEW.status = 'open' AND NEW.amount_remaining > 0))
 AND (OLD.status IS NOT NEW.status OR (OLD.amount_remaining > 0) IS NOT (NEW.amount_remaining > 0)
      OR OLD.due_date IS NOT NEW.due_date OR OLD.customer_id IS NOT NEW.customer_id)
BEGIN
    INSERT INTO plan_invalidations (payer_id)
    SELECT payer_id FROM customers WHERE id IN (OLD.customer_id, NEW.customer_id) ON CONFLICT DO NOTHING;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER invoices_plan_delete AFTER DELETE ON invoices
WHEN OLD.status = 'open' AND OLD.amount_remaining > 0
BEGIN
    INSERT INTO plan_invalidations (payer_id)
    SELECT payer_id FROM customers WHERE id = OLD.customer_id ON CONFLICT DO NOTHING;
END;
-- +goose StatementEnd

-- Customers: which payer owns their invoices, and who may be texted.
-- +goose StatementBegin
CREATE TRIGGER customers_plan_insert AFTER INSERT ON customers
WHEN NEW.sms_consent AND NEW.phone <> ''
BEGIN
    INSERT INTO plan_invalidations (payer_id) VALUES (NEW.payer_id) ON CONFLICT DO NOTHING;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER customers_plan_update AFTER UPDATE OF payer_id, phone, sms_consent ON customers
WHEN OLD.payer_id IS NOT NEW.payer_id OR OLD.phone IS NOT NEW.phone OR OLD.sms_consent IS NOT NEW.sms_consent
BEGIN
    INSERT INTO plan_invalidations (payer_id) VALUES (OLD.payer_id), (NEW.payer_id) ON CONFLICT DO NOTHING;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER customers_plan_delete AFTER DELETE ON customers
BEGIN
    INSERT INTO plan_invalidations (payer_id) VALUES (OLD.payer_id) ON CONFLICT DO NOTHING;
END;
-- +goose StatementEnd

-- A payer's own schedule and preferences. UPDATE OF leaves out
-- next_plan_at and plan_epoch, so the planner's writes fire nothing.
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

-- Email recipients.
-- +goose StatementBegin
CREATE TRIGGER payer_contacts_plan_insert AFTER INSERT ON payer_contacts
BEGIN
    INSERT INTO plan_invalidations (payer_id) VALUES (NEW.payer_id) ON CONFLICT DO NOTHING;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER payer_contacts_plan_update AFTER UPDATE OF payer_id, kind, value ON payer_contacts
BEGIN
    INSERT INTO plan_invalidations (payer_id) VALUES (OLD.payer_id), (NEW.payer_id) ON CONFLICT DO NOTHING;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER payer_contacts_plan_delete AFTER DELETE ON payer_contacts
BEGIN
    INSERT INTO plan_invalidations (payer_id) VALUES (OLD.payer_id) ON CONFLICT DO NOTHING;
END;
-- +goose StatementEnd

-- Holds (disputes, promises, reported payments) take invoices out of the
-- digest until released or until their end.
-- +goose StatementBegin
CREATE TRIGGER holds_plan_insert AFTER INSERT ON holds
BEGIN
    INSERT INTO plan_invalidations (payer_id)
    SELECT NEW.payer_id UNION
    SELECT c.payer_id FROM invoices i JOIN customers c ON c.id = i.customer_id WHERE i.id = NEW.invoice_id
    ON CONFLICT DO NOTHING;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER holds_plan_update AFTER UPDATE OF invoice_id, until, released_at ON holds
WHEN OLD.invoice_id IS NOT NEW.invoice_id OR OLD.until IS NOT NEW.until OR OLD.released_at IS NOT NEW.released_at
BEGIN
    INSERT INTO plan_invalidations (payer_id)
    SELECT NEW.payer_id UNION
    SELECT c.payer_id FROM invoices i JOIN customers c ON c.id = i.customer_id WHERE i.id IN (OLD.invoice_id, NEW.invoice_id)
    ON CONFLICT DO NOTHING;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER holds_plan_delete AFTER DELETE ON holds
BEGIN
    INSERT INTO plan_invalidations (payer_id)
    SELECT OLD.payer_id UNION
    SELECT c.payer_id FROM invoices i JOIN customers c ON c.id = i.customer_id WHERE i.id = OLD.invoice_id
    ON CONFLICT DO NOTHING;
END;
-- +goose StatementEnd

-- Muted vendors.
-- +goose StatementBegin
CREATE TRIGGER payer_mutes_plan_insert AFTER INSERT ON payer_mutes
BEGIN
    INSERT INTO plan_invalidations (payer_id) VALUES (NEW.payer_id) ON CONFLICT DO NOTHING;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER payer_mutes_plan_update AFTER UPDATE ON payer_mutes
BEGIN
    INSERT INTO plan_invalidations (payer_id) VALUES (OLD.payer_id), (NEW.payer_id) ON CONFLICT DO NOTHING;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER payer_mutes_plan_delete AFTER DELETE ON payer_mutes
BEGIN
    INSERT INTO plan_invalidations (payer_id) VALUES (OLD.payer_id) ON CONFLICT DO NOTHING;
END;
-- +goose StatementEnd

-- Suppressions act by address: the payers with that email contact, or with
-- a consenting customer at that phone.
-- +goose StatementBegin
CREATE TRIGGER suppressions_plan_insert AFTER INSERT ON suppressions
BEGIN
    INSERT INTO plan_invalidations (payer_id)
    SELECT payer_id FROM payer_contacts WHERE NEW.channel = 'email' AND kind = 'email' AND value = NEW.address UNION
    SELECT payer_id FROM customers WHERE NEW.channel = 'sms' AND sms_consent AND phone = NEW.address
    ON CONFLICT DO NOTHING;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER suppressions_plan_update AFTER UPDATE OF channel, address ON suppressions
BEGIN
    INSERT INTO plan_invalidations (payer_id)
    SELECT payer_id FROM payer_contacts WHERE kind = 'email' AND value IN (OLD.address, NEW.address) UNION
    SELECT payer_id FROM customers WHERE sms_consent AND phone IN (OLD.address, NEW.address)
    ON CONFLICT DO NOTHING;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER suppressions_plan_delete AFTER DELETE ON suppressions
BEGIN
    INSERT INTO plan_invalidations (payer_id)
    SELECT payer_id FROM payer_contacts WHERE OLD.channel = 'email' AND kind = 'email' AND value = OLD.address UNION
    SELECT payer_id FROM customers WHERE OLD.channel = 'sms' AND sms_consent AND phone = OLD.address
    ON CONFLICT DO NOTHING;
END;
-- +goose StatementEnd

-- A vendor's reminder policy applies to every payer it bills.
-- +goose StatementBegin
CREATE TRIGGER vendors_plan_update AFTER UPDATE OF reminder_offsets, reminder_repeat_days ON vendors
WHEN OLD.reminder_offsets IS NOT NEW.reminder_offsets OR OLD.reminder_repeat_days IS NOT NEW.reminder_repeat_days
BEGIN
    INSERT INTO plan_invalidations (payer_id)
    SELECT DISTINCT payer_id FROM customers WHERE vendor_id = NEW.id ON CONFLICT DO NOTHING;
END;
-- +goose StatementEnd

-- The ledger: the previous digest is the latest slot not expired or empty.
-- Rows the planner reserves (pending) only make that slot later, which
-- never makes a payer due sooner, so they fire nothing.
-- +goose StatementBegin
CREATE TRIGGER digests_plan_insert AFTER INSERT ON digests
WHEN NEW.status IN ('expired', 'empty')
BEGIN
    INSERT INTO plan_invalidations (payer_id) VALUES (NEW.payer_id) ON CONFLICT DO NOTHING;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER digests_plan_update AFTER UPDATE OF status, slot, payer_id, channel ON digests
WHEN (NEW.status IN ('expired', 'empty')) IS NOT (OLD.status IN ('expired', 'empty'))
  OR OLD.slot IS NOT NEW.slot OR OLD.payer_id IS NOT NEW.payer_id OR OLD.channel IS NOT NEW.channel
BEGIN
    INSERT INTO plan_invalidations (payer_id) VALUES (OLD.payer_id), (NEW.payer_id) ON CONFLICT DO NOTHING;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER digests_plan_delete AFTER DELETE ON digests
WHEN OLD.status NOT IN ('expired', 'empty')
BEGIN
    INSERT INTO plan_invalidations (payer_id) VALUES (OLD.payer_id) ON CONFLICT DO NOTHING;
END;
-- +goose StatementEnd

-- Processes that say they are alive: `duehub serve` renews its row every
-- few seconds while it plans, so `duehub digests run --now` can refuse to
-- plan on a second clock next to it.
CREATE TABLE hub_processes (
    id         TEXT PRIMARY KEY,
    role       TEXT NOT NULL,
    host       TEXT NOT NULL DEFAULT '',
    pid        INTEGER NOT NULL DEFAULT 0,
    started_at DATETIME NOT NULL,
    seen_at    DATETIME NOT NULL
);
CREATE INDEX hub_processes_role ON hub_processes (role, seen_at);

-- +goose Down
DROP TABLE hub_processes;
DROP TRIGGER digests_plan_delete;
DROP TRIGGER digests_plan_update;
DROP TRIGGER digests_plan_insert;
DROP TRIGGER vendors_plan_update;
DROP TRIGGER suppressions_plan_delete;
DROP TRIGGER suppressions_plan_update;
DROP TRIGGER suppressions_plan_insert;
DROP TRIGGER payer_mutes_plan_delete;
DROP TRIGGER payer_mutes_plan_update;
DROP TRIGGER payer_mutes_plan_insert;
DROP TRIGGER holds_plan_delete;
DROP TRIGGER holds_plan_update;
DROP TRIGGER holds_plan_insert;
DROP TRIGGER payer_contacts_plan_delete;
DROP TRIGGER payer_contacts_plan_update;
DROP TRIGGER payer_contacts_plan_insert;
DROP TRIGGER payers_plan_update;
DROP TRIGGER customers_plan_delete;
DROP TRIGGER customers_plan_update;
DROP TRIGGER customers_plan_insert;
DROP TRIGGER invoices_plan_delete;
DROP TRIGGER invoices_plan_update;
DROP TRIGGER invoices_plan_insert;
DROP INDEX customers_sms_phone;
DROP INDEX payer_contacts_email;
DROP TABLE plan_invalidations;
DROP INDEX payers_next_plan;
ALTER TABLE payers DROP COLUMN plan_epoch;
ALTER TABLE payers DROP COLUMN next_plan_at;
