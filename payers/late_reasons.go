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

// LateReason is one code of the late-payment taxonomy and how a person
// reads it.
type LateReason struct{ Code, Label string }

// LateReasons is the fixed taxonomy of late-payment reasons, in the order
// the portal offers them: the one list the portal, the thread page and the
// analytics name them from.
var LateReasons = []LateReason{
	{"awaiting_approval", "Awaiting approval"}, {"not_received", "Invoice not received"},
	{"po_mismatch", "PO or paperwork mismatch"}, {"awaiting_credit", "Waiting for a credit or correction"},
	{"cash_flow", "Cash flow"}, {"payment_run", "Payment-run timing"}, {"disputed", "Disputed"}, {"other", "Other"},
}

// LateReasonLabel is a late-payment reason code as a person reads it; an
// unknown code as it is.
func LateReasonLabel(code string) string {
	for _, r := range LateReasons {
		if r.Code == code {
			return r.Label
		}
	}
	return code
}

// LateReasonAskDays is how many days overdue an invoice is when the portal
// asks its payer why.
const LateReasonAskDays = 7

func checkLateReason(reason string) error {
	if !slices.ContainsFunc(LateReasons, func(r LateReason) bool { return r.Code == reason }) {
		codes := make([]string, len(LateReasons))
		for i, r := range LateReasons {
			codes[i] = r.Code
		}
		return vendors.Invalid("reason", "must be one of "+strings.Join(codes, ", "))
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

// Unanswered keeps the invoices among ids that are the payer's and for
// which it gave no late-payment reason yet: the portal asks once.
func (s *Store) Unanswered(ctx context.Context, payerID int64, ids []int64) ([]int64, error) {
	out := []int64{}
	if len(ids) == 0 {
		return out, nil
	}
	err := s.db.WithContext(ctx).Raw(`SELECT i.id FROM invoices i JOIN customers c ON c.id = i.customer_id
WHERE i.id IN ? AND c.payer_id = ?
    AND NOT EXISTS (SELECT 1 FROM late_reasons l WHERE l.invoice_id = i.id AND l.source = 'payer')
ORDER BY i.id`, ids, payerID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("payers: unanswered late reasons: %w", err)
	}
	return out, nil
}

// PaidLate keeps the invoices among ids on which the payer reported a
// payment made after the due date and gave no late-payment reason yet:
// the ones the portal asks about after a payment report.
func (s *Store) PaidLate(ctx context.Context, payerID int64, ids []int64) ([]int64, error) {
	out := []int64{}
	if len(ids) == 0 {
		return out, nil
	}
	err := s.db.WithContext(ctx).Raw(`SELECT DISTINCT i.id FROM invoices i
JOIN customers c ON c.id = i.customer_id
JOIN payment_report_invoices pri ON pri.invoice_id = i.id
JOIN payment_reports pr ON pr.id = pri.report_id AND pr.payer_id = c.payer_id
WHERE i.id IN ? AND c.payer_id = ? AND pr.paid_on > i.due_date
    AND NOT EXISTS (SELECT 1 FROM late_reasons l WHERE l.invoice_id = i.id AND l.source = 'payer')
ORDER BY i.id`, ids, payerID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("payers: paid late: %w", err)
	}
	return out, nil
}
