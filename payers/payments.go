package payers

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/vendors"
)

// Remittance advice: the payer tells vendors it paid. The hub holds no
// funds, so a report only pauses reminders while each vendor confirms.

// Payment methods a payer may report.
var PaymentMethods = []string{"bank_transfer", "card", "check", "other"}

const (
	// PaymentHold is how long a reported payment pauses reminders while
	// the vendor confirms it.
	PaymentHold = 5 * 24 * time.Hour
	// PaymentMaxAgeDays is how far back a payment may be reported.
	PaymentMaxAgeDays = 90
	// EventPaymentReported is the vendor event of a reported payment.
	EventPaymentReported = "payment.reported"

	maxPaymentReference = 200
)

// newestZone is the zone whose calendar day is the latest on Earth: a
// payment made "today" anywhere is never in the future.
var newestZone = time.FixedZone("UTC+14", 14*60*60)

// Report is a payment as the payer reports it: one transfer that may cover
// invoices of several vendors, in several currencies.
type Report struct {
	Method    string // bank_transfer | card | check | other
	Reference string
	PaidOn    civil.Date
	Lines     []ReportLine
}

// ReportLine is the part of the payment that went to one invoice, in the
// invoice's currency.
type ReportLine struct {
	InvoiceID int64
	Amount    int64
}

// PaymentReport is the remittance advice one vendor receives: the part of
// a payer's payment in one currency for that vendor's invoices.
type PaymentReport struct {
	ID          int64
	PayerID     int64
	VendorID    int64
	Method      string
	Reference   string
	PaidOn      civil.Date
	Amount      int64
	Currency    string
	CreatedAt   time.Time
	ConfirmedAt *time.Time
	Lines       []PaymentReportLine `gorm:"-"`
}

func (PaymentReport) TableName() string { return "payment_reports" }

// PaymentReportLine is one invoice a report covers.
type PaymentReportLine struct {
	ReportID   int64
	InvoiceID  int64
	Amount     int64
	ExternalID string `gorm:"-"`
}

func (PaymentReportLine) TableName() string { return "payment_report_invoices" }

// AmountField names the amount of one invoice in validation errors.
func AmountField(invoiceID int64) string { return fmt.Sprintf("amount[%d]", invoiceID) }

// ReportPayment records a payment the payer made. It is split into one
// report per vendor and currency; every covered invoice is held for
// PaymentHold and each vendor gets one payment.reported event naming only
// its own invoices. An invoice that is not the payer's is ErrNotFound; bad
// input is a *vendors.ValidationError and nothing is stored.
func (s *Store) ReportPayment(ctx context.Context, payerID int64, r Report) ([]PaymentReport, error) {
	now := s.now().UTC().Truncate(time.Microsecond)
	r.Method, r.Reference = strings.TrimSpace(r.Method), strings.TrimSpace(r.Reference)
	fe := checkReport(r, civil.Of(now.In(newestZone)))
	var reports []PaymentReport
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		invoices, err := reportedInvoices(tx, payerID, r.Lines)
		if err != nil {
			return err
		}
		for _, l := range r.Lines {
			inv := invoices[l.InvoiceID]
			switch {
			case inv.Status != vendors.StatusOpen || inv.AmountRemaining == 0:
				fe.add("invoices", fmt.Sprintf("%s from %s is no longer open", vendors.InvoiceName(inv.Number), inv.VendorName))
			case l.Amount > inv.AmountRemaining:
				fe.add(AmountField(l.InvoiceID), "must be at most the amount remaining on "+vendors.InvoiceName(inv.Number))
			}
		}
		if len(fe) > 0 {
			return &vendors.ValidationError{Fields: fe}
		}
		reports = splitReport(payerID, r, invoices, now)
		for i := range reports {
			if err := writeReport(tx, &reports[i], now); err != nil {
				return err
			}
		}
		if err := paymentEvents(tx, reports, r, now); err != nil {
			return err
		}
		return tx.Model(&Payer{}).Where("id = ?", payerID).
			Updates(map[string]any{"last_action_at": now, "updated_at": now}).Error
	})
	var ve *vendors.ValidationError
	if errors.As(err, &ve) || errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("payers: report payment: %w", err)
	}
	return reports, nil
}

// payerFieldErrors collects validation errors.
type payerFieldErrors []vendors.FieldError

func (fl *payerFieldErrors) add(field, message string) {
	*fl = append(*fl, vendors.FieldError{Field: field, Message: message})
}

// checkReport validates what needs no database.
func checkReport(r Report, today civil.Date) payerFieldErrors {
	var fe payerFieldErrors
	if !slices.Contains(PaymentMethods, r.Method) {
		fe.add("method", "must be one of bank transfer, card, check or other")
	}
	if utf8.RuneCountInString(r.Reference) > maxPaymentReference {
		fe.add("reference", fmt.Sprintf("must be at most %d characters", maxPaymentReference))
	}
	switch {
	case r.PaidOn.IsZero():
		fe.add("paid_on", "is required")
	case r.PaidOn.After(today):
		fe.add("paid_on", "cannot be in the future")
	case r.PaidOn.Before(today.AddDays(-PaymentMaxAgeDays)):
		fe.add("paid_on", fmt.Sprintf("must be within the last %d days", PaymentMaxAgeDays))
	}
	if len(r.Lines) == 0 {
		fe.add("invoices", "choose at least one invoice the payment covers")
	}
	seen := make(map[int64]bool, len(r.Lines))
	for _, l := range r.Lines {
		if seen[l.InvoiceID] {
			fe.add("invoices", "lists the same invoice twice")
		}
		seen[l.InvoiceID] = true
		if l.Amount <= 0 {
			fe.add(AmountField(l.InvoiceID), "must be more than 0")
		}
	}
	return fe
}

type reportedInvoice struct {
	ID              int64
	ExternalID      string
	VendorID        int64
	VendorName      string
	Number          string
	Currency        string
	Status          string
	AmountRemaining int64
}

// reportedInvoices loads the payer's invoices the lines name. Any other
// invoice is ErrNotFound, whether it exists for another payer or not at all.
func reportedInvoices(tx *gorm.DB, payerID int64, lines []ReportLine) (map[int64]reportedInvoice, error) {
	ids := make([]int64, 0, len(lines))
	for _, l := range lines {
		ids = append(ids, l.InvoiceID)
	}
	out := make(map[int64]reportedInvoice, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []reportedInvoice
	err := tx.Raw(`SELECT i.id, i.external_id, i.vendor_id, v.name AS vendor_name, i.number, i.currency, i.status, i.amount_remaining
FROM invoices i
JOIN customers c ON c.id = i.customer_id
JOIN vendors v ON v.id = i.vendor_id
WHERE i.id IN ? AND c.payer_id = ?`, ids, payerID).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("load invoices: %w", err)
	}
	for _, row := range rows {
		out[row.ID] = row
	}
	for _, id := range ids {
		if _, ok := out[id]; !ok {
			return nil, ErrNotFound
		}
	}
	return out, nil
}

// splitReport turns one payment into one report per (vendor, currency),
// ordered by vendor then currency, each line in the order given.
func splitReport(payerID int64, r Report, invoices map[int64]reportedInvoice, now time.Time) []PaymentReport {
	type key struct {
		vendor   int64
		currency string
	}
	byKey := map[key]int{}
	var reports []PaymentReport
	for _, l := range r.Lines {
		inv := invoices[l.InvoiceID]
		k := key{inv.VendorID, inv.Currency}
		i, ok := byKey[k]
		if !ok {
			i = len(reports)
			byKey[k] = i
			reports = append(reports, PaymentReport{PayerID: payerID, VendorID: inv.VendorID, Method: r.Method,
				Reference: r.Reference, PaidOn: r.PaidOn, Currency: inv.Currency, CreatedAt: now})
		}
		reports[i].Amount += l.Amount
		reports[i].Lines = append(reports[i].Lines, PaymentReportLine{InvoiceID: l.InvoiceID, Amount: l.Amount, ExternalID: inv.ExternalID})
	}
	slices.SortStableFunc(reports, func(a, b PaymentReport) int {
		return cmp.Or(cmp.Compare(a.VendorID, b.VendorID), strings.Compare(a.Currency, b.Currency))
	})
	return reports
}

// writeReport stores a report, its lines and a hold on each invoice.
func writeReport(tx *gorm.DB, rep *PaymentReport, now time.Time) error {
	if err := tx.Create(rep).Error; err != nil {
		return fmt.Errorf("create report: %w", err)
	}
	until := now.Add(PaymentHold)
	for i := range rep.Lines {
		rep.Lines[i].ReportID = rep.ID
	}
	if err := tx.Create(&rep.Lines).Error; err != nil {
		return fmt.Errorf("report lines: %w", err)
	}
	holds := make([]Hold, len(rep.Lines))
	for i, l := range rep.Lines {
		holds[i] = Hold{PayerID: rep.PayerID, VendorID: rep.VendorID, InvoiceID: l.InvoiceID, Kind: HoldPaymentReported,
			Until: &until, RefID: rep.ID, CreatedAt: now}
	}
	if err := tx.Create(&holds).Error; err != nil {
		return fmt.Errorf("hold invoices: %w", err)
	}
	return nil
}

// paymentEvent is what a vendor learns of a reported payment: its own
// reports only, never another vendor's share.
type paymentEvent struct {
	Method    string              `json:"method"`
	Reference string              `json:"reference"`
	PaidOn    civil.Date          `json:"paid_on"`
	HeldUntil time.Time           `json:"held_until"`
	Reports   []paymentEventShare `json:"reports"`
}

type paymentEventShare struct {
	ReportID int64                 `json:"report_id"`
	Currency string                `json:"currency"`
	Amount   int64                 `json:"amount"`
	Invoices []paymentEventInvoice `json:"invoices"`
}

type paymentEventInvoice struct {
	ExternalID string `json:"external_id"`
	Amount     int64  `json:"amount"`
}

// paymentEvents writes one payment.reported event per vendor, in the same
// transaction as the reports: a vendor is told exactly what was stored.
// reports are ordered by vendor.
func paymentEvents(tx *gorm.DB, reports []PaymentReport, r Report, now time.Time) error {
	var events []vendors.Event
	for i := 0; i < len(reports); {
		ev := paymentEvent{Method: r.Method, Reference: r.Reference, PaidOn: r.PaidOn, HeldUntil: now.Add(PaymentHold)}
		vendorID := reports[i].VendorID
		for ; i < len(reports) && reports[i].VendorID == vendorID; i++ {
			share := paymentEventShare{ReportID: reports[i].ID, Currency: reports[i].Currency, Amount: reports[i].Amount}
			for _, l := range reports[i].Lines {
				share.Invoices = append(share.Invoices, paymentEventInvoice{ExternalID: l.ExternalID, Amount: l.Amount})
			}
			ev.Reports = append(ev.Reports, share)
		}
		b, err := json.Marshal(ev)
		if err != nil {
			return fmt.Errorf("event payload: %w", err)
		}
		events = append(events, vendors.Event{VendorID: vendorID, Type: EventPaymentReported, Payload: string(b), CreatedAt: now})
	}
	if len(events) == 0 {
		return nil
	}
	if err := tx.Create(&events).Error; err != nil {
		return fmt.Errorf("vendor events: %w", err)
	}
	return nil
}
