-- +goose Up
-- One phone, one payer. A number held by several payers stays with the one
-- that had it first, and phone-only customers linked to the others follow their
-- number, so one phone gets one SMS stream.
UPDATE customers SET payer_id = (
    SELECT pc.payer_id FROM payer_contacts pc
    WHERE pc.kind = 'phone' AND pc.value = customers.phone ORDER BY pc.id LIMIT 1)
WHERE email = '' AND phone <> ''
  AND EXISTS (SELECT 1 FROM payer_contacts pc WHERE pc.kind = 'phone' AND pc.value = customers.phone);
DELETE FROM payer_contacts
WHERE kind = 'phone'
  AND id > (SELECT MIN(o.id) FROM payer_contacts o WHERE o.kind = 'phone' AND o.value = payer_contacts.value);
CREATE UNIQUE INDEX payer_contacts_phone ON payer_contacts (value) WHERE kind = 'phone';

-- What the hub itself settled on an invoice or a credit note: credits
-- applied by the payer and payments the vendor confirmed. A later push of
-- amount_remaining is capped by it, so a re-push of an old amount cannot
-- bring back what was already settled.
ALTER TABLE invoices ADD COLUMN amount_applied BIGINT NOT NULL DEFAULT 0 CHECK (amount_applied >= 0);
UPDATE invoices SET amount_applied = (SELECT SUM(a.amount) FROM credit_applications a WHERE a.invoice_id = invoices.id)
WHERE id IN (SELECT invoice_id FROM credit_applications);
ALTER TABLE credit_notes ADD COLUMN amount_applied BIGINT NOT NULL DEFAULT 0 CHECK (amount_applied >= 0);
UPDATE credit_notes SET amount_applied = (SELECT SUM(a.amount) FROM credit_applications a WHERE a.credit_id = credit_notes.id)
WHERE id IN (SELECT credit_id FROM credit_applications);

-- +goose Down
ALTER TABLE credit_notes DROP COLUMN amount_applied;
ALTER TABLE invoices DROP COLUMN amount_applied;
DROP INDEX payer_contacts_phone;
