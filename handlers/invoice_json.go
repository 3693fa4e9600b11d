package handlers

import (
	"time"

	"github.com/duehub/duehub/risk"
	"github.com/duehub/duehub/vendors"
)

type customerJSON struct {
	ExternalID       string `json:"external_id"`
	Name             string `json:"name"`
	Email            string `json:"email"`
	Phone            string `json:"phone"`
	SMSConsent       bool   `json:"sms_consent"`
	SMSConsentSource string `json:"sms_consent_source"`
}

type invoiceRequest struct {
	ExternalID      string           `json:"external_id"`
	Number          string           `json:"number"`
	Customer        *customerRequest `json:"customer"`
	Currency        string           `json:"currency"`
	AmountDue       *int64           `json:"amount_due"`
	AmountRemaining *int64           `json:"amount_remaining"`
	IssueDate       string           `json:"issue_date"`
	DueDate         string           `json:"due_date"`
	PayURL          string           `json:"pay_url"`
	PDFURL          string           `json:"pdf_url"`
	Status          string           `json:"status"`
	Memo            string           `json:"memo" text:"multiline"`
	PaidAt          string           `json:"paid_at"`
}

type invoiceResponse struct {
	ExternalID      string       `json:"external_id"`
	Number          string       `json:"number"`
	Customer        customerJSON `json:"customer"`
	Currency        string       `json:"currency"`
	AmountDue       int64        `json:"amount_due"`
	AmountRemaining int64        `json:"amount_remaining"`
	IssueDate       *string      `json:"issue_date"`
	DueDate         string       `json:"due_date"`
	PayURL          string       `json:"pay_url"`
	PDFURL          string       `json:"pdf_url"`
	Status          string       `json:"status"`
	Memo            string       `json:"memo"`
	CreatedAt       time.Time    `json:"created_at"`
	UpdatedAt       time.Time    `json:"updated_at"`
	PaidAt          *time.Time   `json:"paid_at"`
	VoidedAt        *time.Time   `json:"voided_at"`
	// Risk of being paid late, on open invoices in GETs (issue 16).
	Risk *risk.Risk `json:"risk,omitempty"`
}

func customerOut(c vendors.Customer) customerJSON {
	return customerJSON{ExternalID: c.ExternalID, Name: c.Name, Email: c.Email, Phone: c.Phone,
		SMSConsent: c.SMSConsent, SMSConsentSource: c.SMSConsentSource}
}

// input converts the request; a missing customer object is reported here
// because the domain cannot tell it from an empty one.
func (r invoiceRequest) input() (vendors.InvoiceInput, error) {
	if r.Customer == nil {
		return vendors.InvoiceInput{}, vendors.Invalid("customer", "is required")
	}
	return vendors.InvoiceInput{
		ExternalID: r.ExternalID, Number: r.Number, Customer: r.Customer.input(), Currency: r.Currency,
		AmountDue: r.AmountDue, AmountRemaining: r.AmountRemaining, IssueDate: r.IssueDate,
		DueDate: r.DueDate, PayURL: r.PayURL, PDFURL: r.PDFURL, Status: r.Status, Memo: r.Memo,
		PaidAt: r.PaidAt,
	}, nil
}

func invoiceOut(v vendors.InvoiceView) invoiceResponse {
	return invoiceResponse{
		ExternalID: v.ExternalID, Number: v.Number, Customer: customerOut(v.Customer), Currency: v.Currency,
		AmountDue: v.AmountDue, AmountRemaining: v.AmountRemaining, IssueDate: optionalDate(v.IssueDate.String()),
		DueDate: v.DueDate.String(), PayURL: v.PayURL, PDFURL: v.PDFURL, Status: v.Status, Memo: v.Memo,
		CreatedAt: v.CreatedAt.UTC(), UpdatedAt: v.UpdatedAt.UTC(), PaidAt: utcOrNil(v.PaidAt), VoidedAt: utcOrNil(v.VoidedAt),
	}
}

func optionalDate(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
