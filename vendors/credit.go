package vendors

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/duehub/duehub/civil"
)

// CreditNote is an amount a vendor owes back to a customer, which the payer
// may apply to an open invoice of the same vendor, customer and currency.
type CreditNote struct {
	ID              int64
	VendorID        int64
	ExternalID      string
	Number          string
	CustomerID      int64
	Currency        string
	Amount          int64
	AmountRemaining int64
	// AmountApplied is what the payer applied of it in the hub; no push may
	// raise AmountRemaining above Amount - AmountApplied.
	AmountApplied int64
	IssueDate     civil.Date
	Memo          string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// CreditInput is a credit note as a vendor pushes it.
type CreditInput struct {
	ExternalID      string
	Number          string
	Customer        CustomerInput
	Currency        string
	Amount          *int64
	AmountRemaining *int64
	IssueDate       string
	Memo            string
}

// CreditView is a credit note with its customer.
type CreditView struct {
	CreditNote
	Customer Customer
}

func (in CreditInput) validate(cc customerChecks) (CreditNote, CustomerInput, []FieldError) {
	var fe fieldErrors
	cn := CreditNote{ExternalID: in.ExternalID, Number: in.Number, Currency: in.Currency, Memo: in.Memo}
	checkExternalID("external_id", in.ExternalID, &fe)
	if cn.Number == "" {
		cn.Number = in.ExternalID
	}
	checkText("number", cn.Number, maxExternalID, &fe)
	cust := cc.validate(in.Customer, "customer.", &fe)
	checkCurrency("currency", in.Currency, &fe)
	checkAmount("amount", in.Amount, true, &fe)
	checkAmount("amount_remaining", in.AmountRemaining, false, &fe)
	if in.Amount != nil {
		cn.Amount, cn.AmountRemaining = *in.Amount, *in.Amount
	}
	if in.AmountRemaining != nil {
		cn.AmountRemaining = *in.AmountRemaining
		if in.Amount != nil && *in.AmountRemaining > *in.Amount {
			fe.add("amount_remaining", "must not exceed amount")
		}
	}
	cn.IssueDate = parseDate("issue_date", in.IssueDate, false, &fe)
	checkText("memo", in.Memo, maxMemo, &fe)
	return cn, cust, fe
}

func (cn *CreditNote) key() string { return cn.ExternalID }

func (cn *CreditNote) place(vendorID, customerID int64) {
	cn.VendorID, cn.CustomerID = vendorID, customerID
}

func (cn *CreditNote) stamp(created, updated time.Time) {
	cn.CreatedAt, cn.UpdatedAt = created, updated
}

// settle caps a pushed credit note by what was applied of the stored one.
func (cn *CreditNote) settle(old CreditNote) {
	cn.AmountApplied = old.AmountApplied
	cn.AmountRemaining = min(cn.AmountRemaining, max(0, cn.Amount-old.AmountApplied))
}

func (cn CreditNote) sameAs(o CreditNote) bool {
	return cn.Number == o.Number && cn.CustomerID == o.CustomerID && cn.Currency == o.Currency &&
		cn.Amount == o.Amount && cn.AmountRemaining == o.AmountRemaining &&
		cn.IssueDate == o.IssueDate && cn.Memo == o.Memo
}

// creditUpdates is what a push updates of a stored credit note; what was
// applied in the hub caps amount_remaining, as settle does.
var creditUpdates = append(clause.AssignmentColumns([]string{"number", "currency", "amount", "issue_date", "memo"}),
	clause.Assignment{Column: clause.Column{Name: "amount_remaining"}, Value: clause.Expr{SQL: capRemaining("amount", "credit_notes")}})

// PushCredits creates or updates the vendor's credit notes, like PushInvoices.
func (s *Store) PushCredits(ctx context.Context, vendorID int64, items []CreditInput) ([]PushResult, error) {
	results := make([]PushResult, len(items))
	cc := customerChecks{}
	valid := collect[CreditNote](results, func(i int) (CreditNote, CustomerInput, []FieldError) { return items[i].validate(cc) })
	err := retryAborted(ctx, results, func() error {
		return push[CreditNote](ctx, s, vendorID, valid, results, gormUpsert[CreditNote](creditUpdates))
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// GetCredit returns one of the vendor's credit notes by its external id.
func (s *Store) GetCredit(ctx context.Context, vendorID int64, externalID string) (CreditView, error) {
	if !Findable(externalID) {
		return CreditView{}, ErrNotFound
	}
	var cn CreditNote
	err := s.db.WithContext(ctx).Where("vendor_id = ? AND external_id = ?", vendorID, externalID).Take(&cn).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return CreditView{}, ErrNotFound
	}
	if err != nil {
		return CreditView{}, fmt.Errorf("vendors: get credit: %w", err)
	}
	custs, err := s.customersByID(ctx, vendorID, []int64{cn.CustomerID})
	if err != nil {
		return CreditView{}, err
	}
	return CreditView{cn, custs[cn.CustomerID]}, nil
}

// CreditFilter narrows ListCredits. Zero fields do not filter.
type CreditFilter struct {
	// UpdatedAfter lists only credit notes whose updated_at is strictly later.
	UpdatedAfter time.Time
	AfterID      int64 // cursor: list credit notes with a greater id
	Limit        int
}

// ListCredits returns the vendor's credit notes in id order and whether more follow.
func (s *Store) ListCredits(ctx context.Context, vendorID int64, f CreditFilter) ([]CreditView, bool, error) {
	q := s.db.WithContext(ctx).Where("vendor_id = ? AND id > ?", vendorID, f.AfterID)
	if !f.UpdatedAfter.IsZero() {
		q = q.Where("updated_at > ?", f.UpdatedAfter.UTC())
	}
	var cns []CreditNote
	if err := q.Order("id").Limit(f.Limit + 1).Find(&cns).Error; err != nil {
		return nil, false, fmt.Errorf("vendors: list credits: %w", err)
	}
	more := len(cns) > f.Limit
	if more {
		cns = cns[:f.Limit]
	}
	ids := make([]int64, len(cns))
	for i, cn := range cns {
		ids[i] = cn.CustomerID
	}
	custs, err := s.customersByID(ctx, vendorID, ids)
	if err != nil {
		return nil, false, err
	}
	views := make([]CreditView, len(cns))
	for i, cn := range cns {
		views[i] = CreditView{cn, custs[cn.CustomerID]}
	}
	return views, more, nil
}
