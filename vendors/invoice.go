package vendors

import (
	"time"

	"github.com/duehub/duehub/civil"
)

// Invoice statuses.
const (
	StatusOpen = "open"
	StatusPaid = "paid"
	StatusVoid = "void"
)

// Invoice is an amount a customer owes a vendor. Unique per (vendor, external_id).
type Invoice struct {
	ID              int64
	VendorID        int64
	ExternalID      string
	Number          string
	CustomerID      int64
	Currency        string
	AmountDue       int64
	AmountRemaining int64
	// AmountApplied is what the hub itself settled: credits the payer
	// applied and payments the vendor confirmed. No push may raise
	// AmountRemaining above AmountDue - AmountApplied.
	AmountApplied int64
	IssueDate     civil.Date
	DueDate       civil.Date
	PayURL        string `gorm:"column:pay_url"`
	PDFURL        string `gorm:"column:pdf_url"`
	Status        string
	Memo          string
	// PaidAt is when the invoice became paid: as pushed with status paid,
	// else the time of the push or settlement that paid it. VoidedAt is when
	// it was voided. Both are nil while the invoice is in another status.
	PaidAt    *time.Time
	VoidedAt  *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
	// paidAtPushed tells a paid_at the vendor sent from one the hub fills in.
	paidAtPushed bool `gorm:"-"`
}

// InvoiceInput is an invoice as a vendor pushes it. Amounts are pointers so a
// missing amount is told apart from zero.
type InvoiceInput struct {
	ExternalID      string
	Number          string
	Customer        CustomerInput
	Currency        string
	AmountDue       *int64
	AmountRemaining *int64
	IssueDate       string
	DueDate         string
	PayURL          string
	PDFURL          string
	Status          string
	Memo            string
	// PaidAt is optional with status paid: RFC 3339 or a date (midnight UTC).
	PaidAt string
}

// validate checks in and returns the invoice (without IDs) and its customer.
func (in InvoiceInput) validate() (Invoice, CustomerInput, []FieldError) {
	return in.validateWith(nil)
}

// validateWith is validate with the customer checks of the push in cc.
func (in InvoiceInput) validateWith(cc customerChecks) (Invoice, CustomerInput, []FieldError) {
	var fe fieldErrors
	inv := Invoice{
		ExternalID: in.ExternalID,
		Number:     in.Number,
		Currency:   in.Currency,
		PayURL:     in.PayURL,
		PDFURL:     in.PDFURL,
		Status:     in.Status,
		Memo:       in.Memo,
	}
	checkExternalID("external_id", in.ExternalID, &fe)
	if inv.Number == "" {
		inv.Number = in.ExternalID
	}
	checkText("number", inv.Number, maxExternalID, &fe)
	cust := cc.validate(in.Customer, "customer.", &fe)
	checkCurrency("currency", in.Currency, &fe)
	checkAmount("amount_due", in.AmountDue, true, &fe)
	checkAmount("amount_remaining", in.AmountRemaining, false, &fe)
	if in.AmountDue != nil {
		inv.AmountDue = *in.AmountDue
		inv.AmountRemaining = *in.AmountDue
	}
	if in.Status == StatusPaid {
		inv.AmountRemaining = 0 // a paid invoice's remaining defaults to nothing
	}
	if in.AmountRemaining != nil {
		inv.AmountRemaining = *in.AmountRemaining
		if in.AmountDue != nil && *in.AmountRemaining > *in.AmountDue {
			fe.add("amount_remaining", "must not exceed amount_due")
		} else if in.Status == StatusPaid && *in.AmountRemaining > 0 {
			fe.add("amount_remaining", "must be 0 when status is paid")
		}
	}
	inv.IssueDate = parseDate("issue_date", in.IssueDate, false, &fe)
	inv.DueDate = parseDate("due_date", in.DueDate, true, &fe)
	if !inv.IssueDate.IsZero() && !inv.DueDate.IsZero() && inv.DueDate.Before(inv.IssueDate) {
		fe.add("due_date", "must not be before issue_date")
	}
	checkLink("pay_url", in.PayURL, &fe)
	checkLink("pdf_url", in.PDFURL, &fe)
	switch in.Status {
	case "":
		inv.Status = StatusOpen
	case StatusOpen, StatusPaid, StatusVoid:
	default:
		fe.add("status", "must be open, paid or void")
	}
	// Nothing left to pay is paid, whatever the vendor's system calls it.
	if inv.Status == StatusOpen && in.AmountDue != nil && inv.AmountRemaining == 0 {
		inv.Status = StatusPaid
	}
	checkText("memo", in.Memo, maxMemo, &fe)
	if in.PaidAt != "" {
		if inv.Status != StatusPaid {
			fe.add("paid_at", "is only accepted with status paid")
		} else if t, ok := parsePaidAt(in.PaidAt); !ok {
			fe.add("paid_at", "must be an RFC 3339 time or a date like 2026-12-01")
		} else {
			inv.PaidAt, inv.paidAtPushed = &t, true
		}
	}
	return inv, cust, fe
}

// sameAs reports whether storing inv over o would change nothing.
func (inv Invoice) sameAs(o Invoice) bool {
	return inv.Number == o.Number && inv.CustomerID == o.CustomerID && inv.Currency == o.Currency &&
		inv.AmountDue == o.AmountDue && inv.AmountRemaining == o.AmountRemaining &&
		inv.IssueDate == o.IssueDate && inv.DueDate == o.DueDate && inv.PayURL == o.PayURL &&
		inv.PDFURL == o.PDFURL && inv.Status == o.Status && inv.Memo == o.Memo && sameTime(inv.PaidAt, o.PaidAt)
}

// parsePaidAt reads a pushed paid_at: an RFC 3339 time, or a date taken as
// midnight UTC; within the years a date may be in.
func parsePaidAt(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		d, derr := civil.Parse(s)
		if derr != nil {
			return time.Time{}, false
		}
		t = d.In(time.UTC)
	}
	if t.Year() < minDate.Year || t.Year() > maxDate.Year {
		return time.Time{}, false
	}
	return t.UTC().Truncate(time.Microsecond), true
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}
