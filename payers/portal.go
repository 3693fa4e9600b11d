package payers

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// InvoiceDetail is one invoice as its payer sees it in the portal.
type InvoiceDetail struct {
	OpenInvoice
	CustomerID int64
	Status     string
	AmountDue  int64
}

// Invoice returns one of the payer's invoices, whatever its status. An
// invoice of another payer is ErrNotFound.
func (s *Store) Invoice(ctx context.Context, payerID, invoiceID int64) (InvoiceDetail, error) {
	var rows []InvoiceDetail
	err := s.db.WithContext(ctx).Raw(payerInvoicesSQL+`
WHERE i.id = ? AND c.payer_id = ?`, s.now().UTC(), s.now().UTC(), invoiceID, payerID).Scan(&rows).Error
	if err != nil {
		return InvoiceDetail{}, fmt.Errorf("payers: invoice: %w", err)
	}
	if len(rows) == 0 {
		return InvoiceDetail{}, ErrNotFound
	}
	open := []OpenInvoice{rows[0].OpenInvoice}
	if err := s.datePromises(ctx, payerID, open); err != nil {
		return InvoiceDetail{}, err
	}
	rows[0].OpenInvoice = open[0]
	return rows[0], nil
}

// FindByEmail returns the payer reached at an email address: its key, or
// one of its email contacts.
func (s *Store) FindByEmail(ctx context.Context, email string) (Payer, error) {
	var p Payer
	err := s.db.WithContext(ctx).Where("key = ? OR id IN (SELECT payer_id FROM payer_contacts WHERE kind = 'email' AND value = ?)",
		"email:"+email, email).Order("id").Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Payer{}, ErrNotFound
	}
	if err != nil {
		return Payer{}, fmt.Errorf("payers: find by email: %w", err)
	}
	return p, nil
}

// RevokeAll invalidates every link, SMS short link and session the payer
// holds, by bumping its token generation: anything issued before, even
// within the same second, no longer opens the portal.
func (s *Store) RevokeAll(ctx context.Context, payerID int64) error {
	now := s.now().UTC()
	err := s.db.WithContext(ctx).Model(&Payer{}).Where("id = ?", payerID).
		Updates(map[string]any{"token_generation": gorm.Expr("token_generation + 1"),
			"tokens_valid_after": now, "updated_at": now}).Error
	if err != nil {
		return fmt.Errorf("payers: revoke: %w", err)
	}
	return nil
}

// Touch records a portal action: no digest goes out within 24 hours of one,
// and the payer's rhythm is learned from them (recordActivity).
func (s *Store) Touch(ctx context.Context, payerID int64) error {
	now := s.now().UTC()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Model(&Payer{}).Where("id = ?", payerID).
			Updates(map[string]any{"last_action_at": now, "updated_at": now}).Error
		if err != nil {
			return err
		}
		return recordActivity(tx, payerID, now)
	})
	if err != nil {
		return fmt.Errorf("payers: touch: %w", err)
	}
	return nil
}
