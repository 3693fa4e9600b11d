package payers

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/duehub/duehub/vendors"
)

// The vendor's side of reported payments. Every function takes the vendor
// ID and every query is scoped by it: another vendor's report is
// vendors.ErrNotFound.

// EventPaymentConfirmed is the vendor event of a confirmed payment report.
const EventPaymentConfirmed = "payment.confirmed"

// Payment report statuses, as the vendor filters them.
const (
	PaymentPending   = "pending"
	PaymentConfirmed = "confirmed"
)

// VendorPaymentFilter narrows a vendor's payment reports; zero fields do
// not filter.
type VendorPaymentFilter struct {
	Status  string // pending | confirmed
	AfterID int64  // only reports with a greater id
	// CustomerID keeps the reports covering an invoice of the customer
	// (issue 13).
	CustomerID int64
	Limit      int
}

// VendorPaymentLine is one of the vendor's invoices a report covers.
type VendorPaymentLine struct {
	ReportID          int64
	InvoiceExternalID string
	InvoiceNumber     string
	Amount            int64
	// CustomerName names the vendor's customer of the invoice (issue 13).
	CustomerName string
}

// VendorPayment is a payment report as its vendor sees it.
type VendorPayment struct {
	PaymentReport
	Invoices []VendorPaymentLine
}

// Status is pending until the vendor confirms the report.
func (p VendorPayment) Status() string {
	if p.ConfirmedAt != nil {
		return PaymentConfirmed
	}
	return PaymentPending
}

// VendorPayments returns the vendor's payment reports matching f, oldest
// first, with the invoices each covers.
func (s *Store) VendorPayments(ctx context.Context, vendorID int64, f VendorPaymentFilter) ([]VendorPayment, error) {
	q := s.db.WithContext(ctx).Where("vendor_id = ? AND id > ?", vendorID, f.AfterID)
	switch f.Status {
	case "":
	case PaymentPending:
		q = q.Where("confirmed_at IS NULL")
	case PaymentConfirmed:
		q = q.Where("confirmed_at IS NOT NULL")
	default:
		return nil, vendors.Invalid("status", "must be pending or confirmed")
	}
	if f.CustomerID != 0 {
		q = q.Where(`id IN (SELECT l.report_id FROM payment_report_invoices l JOIN invoices i ON i.id = l.invoice_id
WHERE i.vendor_id = ? AND i.customer_id = ?)`, vendorID, f.CustomerID)
	}
	if f.Limit > 0 {
		q = q.Limit(f.Limit)
	}
	var reports []PaymentReport
	if err := q.Order("id").Find(&reports).Error; err != nil {
		return nil, fmt.Errorf("payers: vendor payments: %w", err)
	}
	out, err := withPaymentLines(s.db.WithContext(ctx), vendorID, reports)
	if err != nil {
		return nil, fmt.Errorf("payers: vendor payments: %w", err)
	}
	return out, nil
}

// withPaymentLines adds the covered invoices to each report.
func withPaymentLines(db *gorm.DB, vendorID int64, reports []PaymentReport) ([]VendorPayment, error) {
	out := make([]VendorPayment, len(reports))
	if len(reports) == 0 {
		return out, nil
	}
	ids := make([]int64, len(reports))
	index := make(map[int64]int, len(reports))
	for i, r := range reports {
		out[i].PaymentReport = r
		ids[i], index[r.ID] = r.ID, i
	}
	var lines []VendorPaymentLine
	err := db.Raw(`
SELECT l.report_id, i.external_id AS invoice_external_id, i.number AS invoice_number, l.amount,
       COALESCE(NULLIF(c.name, ''), c.external_id) AS customer_name
FROM payment_report_invoices l JOIN invoices i ON i.id = l.invoice_id JOIN customers c ON c.id = i.customer_id
WHERE l.report_id IN ? AND i.vendor_id = ?
ORDER BY l.report_id, i.id`, ids, vendorID).Scan(&lines).Error
	if err != nil {
		return nil, fmt.Errorf("report lines: %w", err)
	}
	for _, l := range lines {
		p := &out[index[l.ReportID]]
		p.Invoices = append(p.Invoices, l)
	}
	return out, nil
}

// ConfirmPayment records that the vendor received the reported payment:
// the report is confirmed, the holds it placed are released, each invoice's
// amount settled in the hub grows by its line and its remaining amount is
// capped by it (paid when nothing is left), and a payment.confirmed event
// is written. Capping rather than subtracting means a vendor that already
// pushed the reduced amount is not charged the payment twice. Confirming
// again changes nothing and writes no second event.
func (s *Store) ConfirmPayment(ctx context.Context, vendorID, reportID int64) (VendorPayment, error) {
	now := s.now().UTC().Truncate(time.Microsecond)
	var out VendorPayment
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var reports []PaymentReport
		if err := tx.Where("id = ? AND vendor_id = ?", reportID, vendorID).Limit(1).Find(&reports).Error; err != nil {
			return fmt.Errorf("load report: %w", err)
		}
		if len(reports) == 0 {
			return fmt.Errorf("payers: payment report %d: %w", reportID, vendors.ErrNotFound)
		}
		rep := reports[0]
		confirmed := false
		if rep.ConfirmedAt == nil {
			res := tx.Model(&PaymentReport{}).Where("id = ? AND vendor_id = ? AND confirmed_at IS NULL", reportID, vendorID).
				Update("confirmed_at", now)
			if res.Error != nil {
				return fmt.Errorf("confirm report: %w", res.Error)
			}
			if confirmed = res.RowsAffected == 1; confirmed {
				rep.ConfirmedAt = &now
			}
		}
		if confirmed {
			err := tx.Model(&Hold{}).Where("kind = ? AND ref_id = ? AND vendor_id = ? AND released_at IS NULL",
				HoldPaymentReported, reportID, vendorID).Update("released_at", now).Error
			if err != nil {
				return fmt.Errorf("release holds: %w", err)
			}
		}
		withLines, err := withPaymentLines(tx, vendorID, []PaymentReport{rep})
		if err != nil {
			return err
		}
		out = withLines[0]
		if !confirmed {
			return nil
		}
		if err := settlePayment(tx, vendorID, reportID, now); err != nil {
			return err
		}
		if err := RecordAction(ctx, tx, vendorID, ActionConfirmPayment, 0, reportID, now); err != nil {
			return err
		}
		invoices := make([]map[string]any, len(out.Invoices))
		for i, l := range out.Invoices {
			invoices[i] = map[string]any{"external_id": l.InvoiceExternalID, "amount": l.Amount}
		}
		return vendors.WriteEvent(tx, vendorID, EventPaymentConfirmed, map[string]any{
			"report_id": rep.ID, "currency": rep.Currency, "amount": rep.Amount, "confirmed_at": now, "invoices": invoices,
		}, now)
	})
	if err != nil {
		return VendorPayment{}, vendors.WrapAction("payers: vendor confirm payment", err)
	}
	return out, nil
}

// settlePayment adds each line of a confirmed report to its invoice's
// amount_applied and caps amount_remaining at amount_due - amount_applied;
// an open invoice with nothing left becomes paid, dated now. The trigger of
// migration 00017 records the change in invoice_changes.
func settlePayment(tx *gorm.DB, vendorID, reportID int64, now time.Time) error {
	var lines []PaymentReportLine
	if err := tx.Where("report_id = ?", reportID).Order("invoice_id").Find(&lines).Error; err != nil {
		return fmt.Errorf("load report lines: %w", err)
	}
	for _, l := range lines {
		err := tx.Exec(`UPDATE invoices SET
       status = CASE WHEN status = 'open' AND (amount_remaining = 0 OR amount_due <= amount_applied + ?) THEN 'paid' ELSE status END,
       paid_at = CASE WHEN status = 'open' AND (amount_remaining = 0 OR amount_due <= amount_applied + ?) THEN ? ELSE paid_at END,
       amount_remaining = CASE WHEN amount_remaining <= amount_due - (amount_applied + ?) THEN amount_remaining
                               WHEN amount_due > amount_applied + ? THEN amount_due - (amount_applied + ?) ELSE 0 END,
       amount_applied = amount_applied + ?, updated_at = ?
WHERE id = ? AND vendor_id = ?`, l.Amount, l.Amount, now, l.Amount, l.Amount, l.Amount, l.Amount, now, l.InvoiceID, vendorID).Error
		if err != nil {
			return fmt.Errorf("settle invoice %d: %w", l.InvoiceID, err)
		}
	}
	return nil
}
