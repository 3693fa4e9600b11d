package threads

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// Thread kinds and states.
const (
	ThreadQuestion = "question"
	ThreadDispute  = "dispute"

	ThreadOpen     = "open"
	ThreadAnswered = "answered"
	ThreadResolved = "resolved"
)

// MaxMessage is the longest question, note or message, in characters.
const MaxMessage = 4000

// DisputeReasons is the fixed taxonomy of dispute reason codes (DESIGN.md).
var DisputeReasons = []string{"pricing", "quantity", "quality", "not_received", "duplicate",
	"already_paid", "credit_not_applied", "tax", "other"}

// Thread is a question or a dispute a payer raised on one invoice, routed to
// the vendor that owns it.
type Thread struct {
	ID              int64
	VendorID        int64
	PayerID         int64
	InvoiceID       *int64
	Kind            string
	State           string
	Reason          string // a dispute's reason code
	DisputedAmount  int64
	Currency        string
	Outcome         string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	FirstResponseAt *time.Time
	ResolvedAt      *time.Time
	Messages        []ThreadMessage `gorm:"foreignKey:ThreadID"`
}

// ThreadMessage is one message of a thread, from the payer or the vendor.
type ThreadMessage struct {
	ID       int64
	ThreadID int64
	Author   string // payer | vendor
	// MemberID is the vendor's member who wrote a vendor message in the
	// web inbox (nil: the API, an emailed answer, or the payer).
	MemberID  *int64
	Body      string
	CreatedAt time.Time
}

// checkPayerText validates free text typed by the payer.
func checkPayerText(field, label, text string) *vendors.ValidationError {
	switch {
	case strings.TrimSpace(text) == "":
		return vendors.Invalid(field, label+" is empty.")
	case utf8.RuneCountInString(text) > MaxMessage:
		return vendors.Invalid(field, fmt.Sprintf("%s is longer than %d characters.", label, MaxMessage))
	}
	return nil
}

// AskQuestion opens a question thread on one of the payer's open invoices
// and tells the vendor.
func (s *Store) AskQuestion(ctx context.Context, payerID, invoiceID int64, body string) (Thread, error) {
	body = strings.TrimSpace(body)
	if ve := checkPayerText("body", "The question", body); ve != nil {
		return Thread{}, ve
	}
	return s.openThread(ctx, payerID, invoiceID, Thread{Kind: ThreadQuestion}, body)
}

// OpenDispute opens a dispute thread on one of the payer's open invoices,
// holds the invoice's reminders until the vendor resolves it, and tells the
// vendor.
func (s *Store) OpenDispute(ctx context.Context, payerID, invoiceID int64, reason string, disputedAmount int64, note string) (Thread, error) {
	note = strings.TrimSpace(note)
	var fe []vendors.FieldError
	if !slices.Contains(DisputeReasons, reason) {
		fe = append(fe, vendors.FieldError{Field: "reason", Message: "Choose a reason from the list."})
	}
	if disputedAmount <= 0 {
		fe = append(fe, vendors.FieldError{Field: "amount", Message: "The disputed amount must be more than zero."})
	}
	if ve := checkPayerText("note", "The note", note); ve != nil {
		fe = append(fe, ve.Fields...)
	}
	if len(fe) > 0 {
		return Thread{}, &vendors.ValidationError{Fields: fe}
	}
	return s.openThread(ctx, payerID, invoiceID, Thread{Kind: ThreadDispute, Reason: reason, DisputedAmount: disputedAmount}, note)
}

// openThread stores a thread with its first message from the payer, a
// dispute's hold (until the vendor resolves it) and the vendor's event, all
// in one transaction, then records the payer's action.
func (s *Store) openThread(ctx context.Context, payerID, invoiceID int64, t Thread, body string) (Thread, error) {
	now := s.now().UTC().Truncate(time.Microsecond)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		inv, err := payers.LoadActingInvoice(tx, payerID, invoiceID)
		if err != nil {
			return err
		}
		if t.Kind == ThreadDispute && t.DisputedAmount > inv.AmountRemaining {
			return vendors.Invalid("amount", "The disputed amount is more than the invoice's remaining amount.")
		}
		if t.Kind == ThreadDispute {
			joined, ok, err := joinOpenDispute(tx, payerID, inv, t, body, now)
			if err != nil || ok {
				t = joined
				return err
			}
		}
		t.VendorID, t.PayerID, t.InvoiceID, t.State, t.CreatedAt, t.UpdatedAt = inv.VendorID, payerID, &inv.ID, ThreadOpen, now, now
		t.Currency = inv.Currency
		t.Messages = []ThreadMessage{{Author: "payer", Body: body, CreatedAt: now}}
		if err := tx.Create(&t).Error; err != nil {
			return fmt.Errorf("create thread: %w", err)
		}
		if t.Kind == ThreadDispute {
			h := payers.Hold{PayerID: payerID, VendorID: inv.VendorID, InvoiceID: inv.ID, Kind: payers.HoldDispute, RefID: t.ID, CreatedAt: now}
			if err := tx.Create(&h).Error; err != nil {
				return fmt.Errorf("hold: %w", err)
			}
		}
		payload := map[string]any{"thread_id": t.ID, "invoice_external_id": inv.ExternalID, "invoice_number": inv.Number}
		typ := "question.created"
		if t.Kind == ThreadDispute {
			typ = "dispute.created"
			payload["reason"], payload["disputed_amount"], payload["currency"], payload["note"] = t.Reason, t.DisputedAmount, t.Currency, body
		} else {
			payload["body"] = body
		}
		return vendors.WriteEvent(tx, inv.VendorID, typ, payload, now)
	})
	if err != nil {
		return Thread{}, vendors.WrapAction("threads: open "+t.Kind, err)
	}
	if err := s.payers.Touch(ctx, payerID); err != nil {
		return t, err
	}
	return t, nil
}

// ThreadsOfInvoice returns the payer's threads on one invoice with their
// messages, oldest first.
func (s *Store) ThreadsOfInvoice(ctx context.Context, payerID, invoiceID int64) ([]Thread, error) {
	var threads []Thread
	err := s.db.WithContext(ctx).
		Preload("Messages", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).
		Where("payer_id = ? AND invoice_id = ?", payerID, invoiceID).
		Where("invoice_id IN (SELECT i.id FROM invoices i JOIN customers c ON c.id = i.customer_id WHERE c.payer_id = ?)", payerID).
		Order("id").Find(&threads).Error
	if err != nil {
		return nil, fmt.Errorf("threads: threads of invoice: %w", err)
	}
	return threads, nil
}
