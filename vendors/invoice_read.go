package vendors

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/duehub/duehub/civil"
)

// InvoiceView is an invoice with its customer, as the vendor sees it.
type InvoiceView struct {
	Invoice
	Customer Customer
}

// GetInvoice returns one of the vendor's invoices by its external id.
func (s *Store) GetInvoice(ctx context.Context, vendorID int64, externalID string) (InvoiceView, error) {
	if !Findable(externalID) {
		return InvoiceView{}, ErrNotFound
	}
	var inv Invoice
	err := s.db.WithContext(ctx).Where("vendor_id = ? AND external_id = ?", vendorID, externalID).Take(&inv).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return InvoiceView{}, ErrNotFound
	}
	if err != nil {
		return InvoiceView{}, fmt.Errorf("vendors: get invoice: %w", err)
	}
	custs, err := s.customersByID(ctx, vendorID, []int64{inv.CustomerID})
	if err != nil {
		return InvoiceView{}, err
	}
	return InvoiceView{inv, custs[inv.CustomerID]}, nil
}

// InvoiceFilter narrows ListInvoices. Zero fields do not filter.
type InvoiceFilter struct {
	Status    string
	Customer  string // customer external_id
	DueBefore civil.Date
	DueAfter  civil.Date
	// UpdatedAfter lists only invoices whose updated_at is strictly later.
	UpdatedAfter time.Time
	AfterID      int64 // cursor: list invoices with a greater id
	Limit        int
}

// ListInvoices returns the vendor's invoices in id order and whether more follow.
func (s *Store) ListInvoices(ctx context.Context, vendorID int64, f InvoiceFilter) ([]InvoiceView, bool, error) {
	q := s.db.WithContext(ctx).Where("invoices.vendor_id = ? AND invoices.id > ?", vendorID, f.AfterID)
	if f.Status != "" {
		q = q.Where("invoices.status = ?", f.Status)
	}
	if f.Customer != "" {
		q = q.Joins("JOIN customers ON customers.id = invoices.customer_id").
			Where("customers.vendor_id = ? AND customers.external_id = ?", vendorID, f.Customer)
	}
	if !f.DueBefore.IsZero() {
		q = q.Where("invoices.due_date < ?", f.DueBefore)
	}
	if !f.DueAfter.IsZero() {
		q = q.Where("invoices.due_date > ?", f.DueAfter)
	}
	if !f.UpdatedAfter.IsZero() {
		q = q.Where("invoices.updated_at > ?", f.UpdatedAfter.UTC())
	}
	var invs []Invoice
	if err := q.Order("invoices.id").Limit(f.Limit + 1).Find(&invs).Error; err != nil {
		return nil, false, fmt.Errorf("vendors: list invoices: %w", err)
	}
	more := len(invs) > f.Limit
	if more {
		invs = invs[:f.Limit]
	}
	ids := make([]int64, len(invs))
	for i, inv := range invs {
		ids[i] = inv.CustomerID
	}
	custs, err := s.customersByID(ctx, vendorID, ids)
	if err != nil {
		return nil, false, err
	}
	views := make([]InvoiceView, len(invs))
	for i, inv := range invs {
		views[i] = InvoiceView{inv, custs[inv.CustomerID]}
	}
	return views, more, nil
}

func (s *Store) customersByID(ctx context.Context, vendorID int64, ids []int64) (map[int64]Customer, error) {
	out := make(map[int64]Customer, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var custs []Customer
	if err := s.db.WithContext(ctx).Where("vendor_id = ? AND id IN ?", vendorID, ids).Find(&custs).Error; err != nil {
		return nil, fmt.Errorf("vendors: load customers: %w", err)
	}
	for _, c := range custs {
		out[c.ID] = c
	}
	return out, nil
}
