package payers

import (
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/duehub/duehub/vendors"
)

// ErrInvoiceClosed means the invoice is paid or void: there is nothing left
// to act on.
var ErrInvoiceClosed = errors.New("invoice is not open")

// ActingInvoice is the part of an invoice a payer action (a promise, a pay
// click, a question or a dispute) needs.
type ActingInvoice struct {
	ID              int64
	VendorID        int64
	ExternalID      string
	Number          string
	Currency        string
	AmountRemaining int64
	Status          string
	PayURL          string `gorm:"column:pay_url"`
}

// LoadActingInvoice loads one of the payer's invoices inside tx: ErrNotFound
// for another payer's, ErrInvoiceClosed when nothing is left to act on.
func LoadActingInvoice(tx *gorm.DB, payerID, invoiceID int64) (ActingInvoice, error) {
	var rows []ActingInvoice
	err := tx.Raw(`
SELECT i.id, i.vendor_id, i.external_id, i.number, i.currency, i.amount_remaining, i.status, i.pay_url
FROM invoices i JOIN customers c ON c.id = i.customer_id
WHERE i.id = ? AND c.payer_id = ?`, invoiceID, payerID).Scan(&rows).Error
	if err != nil {
		return ActingInvoice{}, fmt.Errorf("load invoice: %w", err)
	}
	if len(rows) == 0 {
		return ActingInvoice{}, ErrNotFound
	}
	if rows[0].Status != vendors.StatusOpen || rows[0].AmountRemaining <= 0 {
		return ActingInvoice{}, ErrInvoiceClosed
	}
	return rows[0], nil
}
