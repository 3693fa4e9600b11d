package payers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/money"
	"github.com/duehub/duehub/vendors"
)

// EventCreditApplied tells a vendor that a payer applied one of its credit
// notes to one of its invoices.
const EventCreditApplied = "credit.applied"

// AvailableCredit is a credit note the payer may apply to a given invoice.
type AvailableCredit struct {
	CreditID        int64
	ExternalID      string
	Number          string
	Memo            string
	Currency        string
	AmountRemaining int64
	IssueDate       civil.Date
}

// Application is a credit applied to an invoice, with both remainders after it.
type Application struct {
	ID                int64
	VendorID          int64
	CreditID          int64
	InvoiceID         int64
	CreditExternalID  string
	InvoiceExternalID string
	Amount            int64
	Currency          string
	CreditRemaining   int64
	InvoiceRemaining  int64
	InvoicePaid       bool
	CreatedAt         time.Time
}

// creditApplication is the stored row.
type creditApplication struct {
	ID        int64
	PayerID   int64
	VendorID  int64
	CreditID  int64
	InvoiceID int64
	Amount    int64
	Currency  string
	CreatedAt time.Time
}

func (creditApplication) TableName() string { return "credit_applications" }

// Credits returns the credit notes the payer may apply to one of its
// invoices: same vendor, same customer, same currency, something remaining.
// An invoice that is not open gets none; another payer's is ErrNotFound.
func (s *Store) Credits(ctx context.Context, payerID, invoiceID int64) ([]AvailableCredit, error) {
	var inv []vendors.Invoice
	err := s.db.WithContext(ctx).Where("id = ? AND customer_id IN (SELECT id FROM customers WHERE payer_id = ?)", invoiceID, payerID).
		Limit(1).Find(&inv).Error
	if err != nil {
		return nil, fmt.Errorf("payers: credits: %w", err)
	}
	if len(inv) == 0 {
		return nil, ErrNotFound
	}
	if inv[0].Status != vendors.StatusOpen || inv[0].AmountRemaining == 0 {
		return nil, nil
	}
	var out []AvailableCredit
	err = s.db.WithContext(ctx).Raw(`
SELECT id AS credit_id, external_id, number, memo, currency, amount_remaining, issue_date
FROM credit_notes
WHERE vendor_id = ? AND customer_id = ? AND currency = ? AND amount_remaining > 0
ORDER BY issue_date, id`, inv[0].VendorID, inv[0].CustomerID, inv[0].Currency).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("payers: credits: %w", err)
	}
	return out, nil
}

// CheckCredit runs ApplyCredit's rules against the current amounts without
// applying anything, so a form can be refused before its one-time code is
// spent. ApplyCredit checks again under lock.
func (s *Store) CheckCredit(ctx context.Context, payerID, creditID, invoiceID, amount int64) error {
	cn, inv, _, err := loadPair(s.db.WithContext(ctx), payerID, creditID, invoiceID, false)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return err
		}
		return fmt.Errorf("payers: check credit: %w", err)
	}
	return creditRules(cn, inv, amount)
}

// ApplyCredit applies amount of one of the payer's credit notes to one of
// its invoices, atomically: of any number of concurrent applications of a
// credit, the total applied never exceeds what remained on it. The vendor
// gets a credit.applied event in the same transaction.
func (s *Store) ApplyCredit(ctx context.Context, payerID, creditID, invoiceID, amount int64) (Application, error) {
	now := s.now().UTC().Truncate(time.Microsecond)
	var app Application
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// PostgreSQL: lock both rows, credit first then invoice, so concurrent
		// applications queue instead of deadlocking. SQLite has no row locks:
		// the immediate transaction makes writers take turns. Either way the
		// decrements below are conditional, so the lock is not the only guard.
		cn, inv, custExt, err := loadPair(tx, payerID, creditID, invoiceID, tx.Dialector.Name() == "postgres")
		if err != nil {
			return err
		}
		if err := creditRules(cn, inv, amount); err != nil {
			return err
		}
		// amount_applied records what the hub settled, so that a later push
		// of an older amount_remaining cannot undo the application.
		res := tx.Exec(`UPDATE credit_notes SET amount_remaining = amount_remaining - ?,
       amount_applied = amount_applied + ?, updated_at = ?
WHERE id = ? AND amount_remaining >= ?`, amount, amount, now, cn.ID, amount)
		if err := oneRow(res, "credit"); err != nil {
			return err
		}
		res = tx.Exec(`UPDATE invoices SET amount_remaining = amount_remaining - ?,
       amount_applied = amount_applied + ?, updated_at = ?,
       status = CASE WHEN amount_remaining = ? THEN 'paid' ELSE status END,
       paid_at = CASE WHEN amount_remaining = ? THEN ? ELSE paid_at END
WHERE id = ? AND status = 'open' AND amount_remaining >= ?`, amount, amount, now, amount, amount, now, inv.ID, amount)
		if err := oneRow(res, "amount"); err != nil {
			return err
		}
		row := creditApplication{PayerID: payerID, VendorID: inv.VendorID, CreditID: cn.ID, InvoiceID: inv.ID,
			Amount: amount, Currency: inv.Currency, CreatedAt: now}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		app = Application{ID: row.ID, VendorID: inv.VendorID, CreditID: cn.ID, InvoiceID: inv.ID,
			CreditExternalID: cn.ExternalID, InvoiceExternalID: inv.ExternalID, Amount: amount, Currency: inv.Currency,
			CreditRemaining: cn.AmountRemaining - amount, InvoiceRemaining: inv.AmountRemaining - amount, CreatedAt: now}
		app.InvoicePaid = app.InvoiceRemaining == 0
		status := vendors.StatusOpen
		if app.InvoicePaid {
			status = vendors.StatusPaid
		}
		// The event carries only this vendor's own ids, never the payer's, and
		// is written with the application so the vendor hears of exactly those.
		payload, err := json.Marshal(map[string]any{
			"credit": cn.ExternalID, "invoice": inv.ExternalID, "customer": custExt,
			"amount": amount, "currency": inv.Currency,
			"credit_remaining": app.CreditRemaining, "invoice_remaining": app.InvoiceRemaining,
			"invoice_status": status, "applied_at": now.Format(time.RFC3339Nano),
		})
		if err != nil {
			return err
		}
		ev := vendors.Event{VendorID: inv.VendorID, Type: EventCreditApplied, Payload: string(payload), CreatedAt: now}
		if err := tx.Create(&ev).Error; err != nil {
			return err
		}
		// The same pool connection: on SQLite it is the only one.
		return (&Store{db: tx, now: s.now}).Touch(ctx, payerID)
	})
	if err != nil {
		var ve *vendors.ValidationError
		if errors.As(err, &ve) || errors.Is(err, ErrNotFound) {
			return Application{}, err
		}
		return Application{}, fmt.Errorf("payers: apply credit: %w", err)
	}
	return app, nil
}

// loadPair reads the credit and the invoice (locking them when lock is set)
// and checks both belong to the payer; it also returns the invoice's
// customer's external id. Anything of another payer is ErrNotFound.
func loadPair(tx *gorm.DB, payerID, creditID, invoiceID int64, lock bool) (vendors.CreditNote, vendors.Invoice, string, error) {
	q := func() *gorm.DB {
		if lock {
			return tx.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		return tx
	}
	var cns []vendors.CreditNote
	if err := q().Where("id = ?", creditID).Limit(1).Find(&cns).Error; err != nil {
		return vendors.CreditNote{}, vendors.Invoice{}, "", err
	}
	var invs []vendors.Invoice
	if err := q().Where("id = ?", invoiceID).Limit(1).Find(&invs).Error; err != nil {
		return vendors.CreditNote{}, vendors.Invoice{}, "", err
	}
	if len(cns) == 0 || len(invs) == 0 {
		return vendors.CreditNote{}, vendors.Invoice{}, "", ErrNotFound
	}
	var custs []vendors.Customer
	if err := tx.Select("id", "payer_id", "external_id").Where("id IN ?", []int64{cns[0].CustomerID, invs[0].CustomerID}).
		Find(&custs).Error; err != nil {
		return vendors.CreditNote{}, vendors.Invoice{}, "", err
	}
	owner := make(map[int64]vendors.Customer, len(custs))
	for _, c := range custs {
		owner[c.ID] = c
	}
	if owner[cns[0].CustomerID].PayerID != payerID || owner[invs[0].CustomerID].PayerID != payerID {
		return vendors.CreditNote{}, vendors.Invoice{}, "", ErrNotFound
	}
	return cns[0], invs[0], owner[invs[0].CustomerID].ExternalID, nil
}

// creditRules says whether amount of the credit may go to the invoice, naming
// the form field at fault.
func creditRules(cn vendors.CreditNote, inv vendors.Invoice, amount int64) error {
	switch {
	case inv.Status != vendors.StatusOpen || inv.AmountRemaining == 0:
		return vendors.Invalid("invoice", "This invoice is no longer open: there is nothing to apply a credit to.")
	case cn.VendorID != inv.VendorID:
		return vendors.Invalid("credit", "This credit is from another vendor: it can only be applied to that vendor's invoices.")
	case cn.CustomerID != inv.CustomerID:
		return vendors.Invalid("credit", "This credit belongs to another of your accounts with this vendor.")
	case cn.Currency != inv.Currency:
		return vendors.Invalid("credit", fmt.Sprintf("This credit is in %s and the invoice in %s.", cn.Currency, inv.Currency))
	case cn.AmountRemaining == 0:
		return vendors.Invalid("credit", "Nothing remains on this credit.")
	case amount <= 0:
		return vendors.Invalid("amount", "Enter an amount above zero.")
	case amount > cn.AmountRemaining:
		return vendors.Invalid("amount", "At most "+money.Format(cn.AmountRemaining, cn.Currency)+" remains on this credit.")
	case amount > inv.AmountRemaining:
		return vendors.Invalid("amount", "At most "+money.Format(inv.AmountRemaining, inv.Currency)+" remains to pay on this invoice.")
	}
	return nil
}

// oneRow turns a conditional update that matched nothing into a refusal:
// the amounts changed since they were read.
func oneRow(res *gorm.DB, field string) error {
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return vendors.Invalid(field, "The amounts changed meanwhile. Check them and try again.")
	}
	return nil
}
