package payers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/duehub/duehub/vendors"
)

// Why a payment is late (issue 12): the portal asks the payer, optionally
// and in one click, and the vendor may tag a reason from the thread page.
// One answer per invoice and side; a later one replaces it. Analytics rank
// them, the vendor's tag over the payer's answer.

// LateReasons is the fixed taxonomy of late-payment reasons.
var LateReasons = []string{"awaiting_approval", "not_received", "po_mismatch", "awaiting_credit",
	"cash_flow", "payment_run", "disputed", "other"}

// LateReasonAskDays is how many days overdue an invoice is when the portal
// asks its payer why.
const LateReasonAskDays = 7

func checkLateReason(reason string) error {
	if !slices.Contains(LateReasons, reason) {
		return vendors.Invalid("reason", "must be one of "+strings.Join(LateReasons, ", "))
	}
	return nil
}

const upsertLateReason = `INSERT INTO late_reasons (vendor_id, invoice_id, source, reason, member_id, created_at)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (invoice_id, source) DO UPDATE SET reason = excluded.reason, member_id = excluded.member_id,
    created_at = excluded.created_at`

// GiveLateReason records the payer's reason for paying one of its invoices
// late. Another payer's invoice is ErrNotFound.
func (s *Store) GiveLateReason(ctx context.Context, payerID, invoiceID int64, reason string) error {
	if err := checkLateReason(reason); err != nil {
		return err
	}
	var inv struct{ ID, VendorID int64 }
	err := s.db.WithContext(ctx).Raw(`SELECT i.id, i.vendor_id FROM invoices i JOIN customers c ON c.id = i.customer_id
WHERE i.id = ? AND c.payer_id = ?`, invoiceID, payerID).Scan(&inv).Error
	if err != nil {
		return fmt.Errorf("payers: late reason: %w", err)
	}
	if inv.ID == 0 {
		return fmt.Errorf("payers: invoice %d: %w", invoiceID, ErrNotFound)
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	if err := s.db.WithContext(ctx).Exec(upsertLateReason, inv.VendorID, inv.ID, "payer", reason, nil, now).Error; err != nil {
		return fmt.Errorf("payers: late reason: %w", err)
	}
	return nil
}

// TagLateReason records the vendor's reason for the late payment of the
// invoice of one of its threads, with the acting member (WithActor). A
// thread of another vendor, or one on no invoice, is vendors.ErrNotFound.
func (s *Store) TagLateReason(ctx context.Context, vendorID, threadID int64, reason string) error {
	if err := checkLateReason(reason); err != nil {
		return err
	}
	var th struct{ InvoiceID *int64 }
	err := s.db.WithContext(ctx).Raw(`SELECT invoice_id FROM threads WHERE id = ? AND vendor_id = ?`, threadID, vendorID).
		Scan(&th).Error
	if err != nil {
		return fmt.Errorf("payers: tag late reason: %w", err)
	}
	if th.InvoiceID == nil {
		return fmt.Errorf("payers: thread %d: %w", threadID, vendors.ErrNotFound)
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	if err := s.db.WithContext(ctx).Exec(upsertLateReason, vendorID, *th.InvoiceID, "vendor", reason, actor(ctx), now).Error; err != nil {
		return fmt.Errorf("payers: tag late reason: %w", err)
	}
	return nil
}
