-- +goose Up
-- The minute planner reads only payers whose decision may have changed:
-- next_plan_at is the earliest instant the planner's decision for the payer
-- could change with no change of state (next window, local midnight, a hold
-- or pause ending, at most an hour ahead); NULL means "at the next pass".
-- plan_epoch counts resets, so a planner that read a payer before a reset
-- cannot overwrite it with an instant decided on older state.
ALTER TABLE payers ADD COLUMN next_plan_at TIMESTAMPTZ;
ALTER TABLE payers ADD COLUMN plan_epoch BIGINT NOT NULL DEFAULT 0;
CREATE INDEX payers_next_plan ON payers (next_plan_at, id);

-- Payers whose planning inputs changed since the last pass. Triggers on
-- every table the decision reads append here; the planner, at the start of
-- each pass, resets next_plan_at of the payers listed and deletes what it
-- read. An append-only queue rather than an UPDATE of payers: a push must
-- not take (and queue on) a payer row lock, and no unique key, so two
-- concurrent pushes for one payer never wait on each other's insert.
CREATE TABLE plan_invalidations (
    id       BIGSERIAL PRIMARY KEY,
    payer_id BIGINT NOT NULL
);

-- Suppressing an address finds the payers it reaches by these.
CREATE INDEX payer_contacts_email ON payer_contacts (value) WHERE kind = 'email';
CREATE INDEX customers_sms_phone ON customers (phone) WHERE sms_consent;

-- Invoices and customers change in bulk (batch pushes, COPY ingest), so
-- their triggers run once per statement over its transition tables. Only
-- open invoices with something left are planned, by due date and payer;
-- amounts otherwise matter only when the digest is built.
-- +goose StatementBegin
CREATE FUNCTION plan_invoices_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO plan_invalidations (payer_id)
    SELECT DISTINCT c.payer_id FROM customers c
    WHERE c.id IN (SELECT n.customer_id FROM new_rows n WHERE n.status = 'open' AND n.amount_remaining > 0);
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION plan_invoices_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH changed AS (
        SELECT o.customer_id AS old_customer, n.customer_id AS new_customer
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE ((o.status = 'open' AND o.amount_remaining > 0) OR (n.status = 'open' AND n.amount_remaining > 0))
          AND (o.status, o.amount_remaining > 0, o.due_date, o.customer_id)
              IS DISTINCT FROM (n.status, n.amount_remaining > 0, n.due_date, n.customer_id))
    INSERT INTO plan_invalidations (payer_id)
    SELECT DISTINCT c.payer_id FROM customers c
    WHERE c.id IN (SELECT old_customer FROM changed UNION SELECT new_customer FROM changed);
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION plan_invoices_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO plan_invalidations (payer_id)
    SELECT DISTINCT c.payer_id FROM customers c
    WHERE c.id IN (SELECT o.customer_id FROM old_rows o WHERE o.status = 'open' AND o.amount_remaining > 0);
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER invoices_plan_insert AFTER INSERT ON invoices
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION plan_invoices_inserted();
CREATE TRIGGER invoices_plan_update AFTER UPDATE ON invoices
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION plan_invoices_updated();
CREATE TRIGGER invoices_plan_delete AFTER DELETE ON invoices
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION plan_invoices_deleted();

-- Customers: which payer owns their invoices, and who may be texted.
-- +goose StatementBegin
CREATE FUNCTION plan_customers_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO plan_invalidations (payer_id)
    SELECT DISTINCT n.payer_id FROM new_rows n WHERE n.sms_consent AND n.phone <> '';
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION plan_customers_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH changed AS (
        SELECT o.payer_id AS old_payer, n.payer_id AS new_payer
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (o.payer_id, o.phone, o.sms_consent) IS DISTINCT FROM (n.payer_id, n.phone, n.sms_consent))
    INSERT INTO plan_invalidations (payer_id)
    SELECT old_payer FROM changed UNION SELECT new_payer FROM changed;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION plan_customers_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO plan_invalidations (payer_id) SELECT DISTINCT o.payer_id FROM old_rows o;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER customers_plan_insert AFTER INSERT ON customers
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION plan_customers_inserted();
CREATE TRIGGER customers_plan_update AFTER UPDATE ON customers
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION plan_customers_updated();
CREATE TRIGGER customers_plan_delete AFTER DELETE ON customers
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION plan_customers_deleted();

-- The other tables change a row at a time; their triggers are per row.
-- A row naming its payer in payer_id (contacts, mutes, the ledger).
-- +goose StatementBegin
CREATE FUNCTION plan_row_payer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO plan_invalidations (payer_id)
    SELECT DISTINCT p FROM (VALUES (OLD.payer_id), (NEW.payer_id)) v (p) WHERE p IS NOT NULL;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- A payer's own schedule and preferences. UPDATE OF leaves out
-- next_plan_at and plan_epoch, so the planner's writes fire nothing.
-- +goose StatementBegin
CREATE FUNCTION plan_payer_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO plan_invalidations (payer_id) VALUES (NEW.id);
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER payers_plan_update AFTER UPDATE OF key, timezone, cadence, weekday, run_days, send_hour, send_minute,
    min_interval_hours, email_enabled, sms_enabled, paused_until, last_action_at ON payers
    FOR EACH ROW WHEN ((OLD.key, OLD.timezone, OLD.cadence, OLD.weekday, OLD.run_days, OLD.send_hour, OLD.send_minute,
        OLD.min_interval_hours, OLD.email_enabled, OLD.sms_enabled, OLD.paused_until, OLD.last_action_at)
        IS DISTINCT FROM (NEW.key, NEW.timezone, NEW.cadence, NEW.weekday, NEW.run_days, NEW.send_hour, NEW.send_minute,
        NEW.min_interval_hours, NEW.email_enabled, NEW.sms_enabled, NEW.paused_until, NEW.last_action_at))
    EXECUTE FUNCTION plan_payer_changed();

-- Email recipients.
CREATE TRIGGER payer_contacts_plan AFTER INSERT OR DELETE ON payer_contacts
    FOR EACH ROW EXECUTE FUNCTION plan_row_payer();
CREATE TRIGGER payer_contacts_plan_update AFTER UPDATE OF payer_id, kind, value ON payer_contacts
    FOR EACH ROW EXECUTE FUNCTION plan_row_payer();

-- Muted vendors.
CREATE TRIGGER payer_mutes_plan AFTER INSERT OR UPDATE OR DELETE ON payer_mutes
    FOR EACH ROW EXECUTE FUNCTION plan_row_payer();

-- Holds (disputes, promises, reported payments) take invoices out of the
-- digest until released or until their end: the hold's payer and the
-- invoice's.
-- +goose StatementBegin
CREATE FUNCTION plan_hold_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO plan_invalidations (payer_id)
    SELECT p FROM (VALUES (OLD.payer_id), (NEW.payer_id)) v (p) WHERE p IS NOT NULL
    UNION
    SELECT c.payer_id FROM invoices i JOIN customers c ON c.id = i.customer_id
    WHERE i.id IN (OLD.invoice_id, NEW.invoice_id);
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER holds_plan AFTER INSERT OR DELETE ON holds
    FOR EACH ROW EXECUTE FUNCTION plan_hold_changed();
CREATE TRIGGER holds_plan_update AFTER UPDATE OF invoice_id, until, released_at ON holds
    FOR EACH ROW WHEN ((OLD.invoice_id, OLD.until, OLD.released_at) IS DISTINCT FROM (NEW.invoice_id, NEW.until, NEW.released_at))
    EXECUTE FUNCTION plan_hold_changed();

-- Suppressions act by address: the payers with that email contact, or with
-- a consenting customer at that phone.
-- +goose StatementBegin
CREATE FUNCTION plan_suppression_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO plan_invalidations (payer_id)
    SELECT payer_id FROM payer_contacts WHERE kind = 'email' AND value IN (OLD.address, NEW.address)
    UNION
    SELECT payer_id FROM customers WHERE sms_consent AND phone IN (OLD.address, NEW.address);
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER suppressions_plan AFTER INSERT OR DELETE ON suppressions
    FOR EACH ROW EXECUTE FUNCTION plan_suppression_changed();
CREATE TRIGGER suppressions_plan_update AFTER UPDATE OF channel, address ON suppressions
    FOR EACH ROW EXECUTE FUNCTION plan_suppression_changed();

-- A vendor's reminder policy applies to every payer it bills.
-- +goose StatementBegin
CREATE FUNCTION plan_vendor_policy_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO plan_invalidations (payer_id)
    SELECT DISTINCT payer_id FROM customers WHERE vendor_id = NEW.id;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER vendors_plan_update AFTER UPDATE OF reminder_offsets, reminder_repeat_days ON vendors
    FOR EACH ROW WHEN ((OLD.reminder_offsets, OLD.reminder_repeat_days) IS DISTINCT FROM (NEW.reminder_offsets, NEW.reminder_repeat_days))
    EXECUTE FUNCTION plan_vendor_policy_changed();

-- The ledger: the previous digest is the latest slot not expired or empty.
-- Rows the planner reserves (pending) only make that slot later, which
-- never makes a payer due sooner, so they fire nothing.
CREATE TRIGGER digests_plan_insert AFTER INSERT ON digests
    FOR EACH ROW WHEN (NEW.status IN ('expired', 'empty'))
    EXECUTE FUNCTION plan_row_payer();
CREATE TRIGGER digests_plan_update AFTER UPDATE OF status, slot, payer_id, channel ON digests
    FOR EACH ROW WHEN ((NEW.status IN ('expired', 'empty')) IS DISTINCT FROM (OLD.status IN ('expired', 'empty'))
        OR (OLD.slot, OLD.payer_id, OLD.channel) IS DISTINCT FROM (NEW.slot, NEW.payer_id, NEW.channel))
    EXECUTE FUNCTION plan_row_payer();
CREATE TRIGGER digests_plan_delete AFTER DELETE ON digests
    FOR EACH ROW WHEN (OLD.status NOT IN ('expired', 'empty'))
    EXECUTE FUNCTION plan_row_payer();

-- Processes that say they are alive: `duehub serve` renews its row every
-- few seconds while it plans, so `duehub digests run --now` can refuse to
-- plan on a second clock next to it.
CREATE TABLE hub_processes (
    id         TEXT PRIMARY KEY,
    role       TEXT NOT NULL,
    host       TEXT NOT NULL DEFAULT '',
    pid        INTEGER NOT NULL DEFAULT 0,
    started_at TIMESTAMPTZ NOT NULL,
    seen_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX hub_processes_role ON hub_processes (role, seen_at);

-- +goose Down
DROP TABLE hub_processes;
DROP TRIGGER digests_plan_delete ON digests;
DROP TRIGGER digests_plan_update ON digests;
DROP TRIGGER digests_plan_insert ON digests;
DROP TRIGGER vendors_plan_update ON vendors;
DROP FUNCTION plan_vendor_policy_changed();
DROP TRIGGER suppressions_plan_update ON suppressions;
DROP TRIGGER suppressions_plan ON suppressions;
DROP FUNCTION plan_suppression_changed();
DROP TRIGGER holds_plan_update ON holds;
DROP TRIGGER holds_plan ON holds;
DROP FUNCTION plan_hold_changed();
DROP TRIGGER payer_mutes_plan ON payer_mutes;
DROP TRIGGER payer_contacts_plan_update ON payer_contacts;
DROP TRIGGER payer_contacts_plan ON payer_contacts;
DROP TRIGGER payers_plan_update ON payers;
DROP FUNCTION plan_payer_changed();
DROP FUNCTION plan_row_payer();
DROP TRIGGER customers_plan_delete ON customers;
DROP TRIGGER customers_plan_update ON customers;
DROP TRIGGER customers_plan_insert ON customers;
DROP FUNCTION plan_customers_deleted();
DROP FUNCTION plan_customers_updated();
DROP FUNCTION plan_customers_inserted();
DROP TRIGGER invoices_plan_delete ON invoices;
DROP TRIGGER invoices_plan_update ON invoices;
DROP TRIGGER invoices_plan_insert ON invoices;
DROP FUNCTION plan_invoices_deleted();
DROP FUNCTION plan_invoices_updated();
DROP FUNCTION plan_invoices_inserted();
DROP INDEX customers_sms_phone;
DROP INDEX payer_contacts_email;
DROP TABLE plan_invalidations;
DROP INDEX payers_next_plan;
ALTER TABLE payers DROP COLUMN plan_epoch;
ALTER TABLE payers DROP COLUMN next_plan_at;
