package handlers

import (
	"context"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/vendors"
)

type creditRequest struct {
	ExternalID      string           `json:"external_id"`
	Number          string           `json:"number"`
	Customer        *customerRequest `json:"customer"`
	Currency        string           `json:"currency"`
	Amount          *int64           `json:"amount"`
	AmountRemaining *int64           `json:"amount_remaining"`
	IssueDate       string           `json:"issue_date"`
	Memo            string           `json:"memo" text:"multiline"`
}

type creditResponse struct {
	ExternalID      string       `json:"external_id"`
	Number          string       `json:"number"`
	Customer        customerJSON `json:"customer"`
	Currency        string       `json:"currency"`
	Amount          int64        `json:"amount"`
	AmountRemaining int64        `json:"amount_remaining"`
	IssueDate       *string      `json:"issue_date"`
	Memo            string       `json:"memo"`
	CreatedAt       time.Time    `json:"created_at"`
	UpdatedAt       time.Time    `json:"updated_at"`
}

func (r creditRequest) input() (vendors.CreditInput, error) {
	if r.Customer == nil {
		return vendors.CreditInput{}, vendors.Invalid("customer", "is required")
	}
	return vendors.CreditInput{
		ExternalID: r.ExternalID, Number: r.Number, Customer: r.Customer.input(), Currency: r.Currency,
		Amount: r.Amount, AmountRemaining: r.AmountRemaining, IssueDate: r.IssueDate, Memo: r.Memo,
	}, nil
}

func creditOut(v vendors.CreditView) creditResponse {
	return creditResponse{
		ExternalID: v.ExternalID, Number: v.Number, Customer: customerOut(v.Customer), Currency: v.Currency,
		Amount: v.Amount, AmountRemaining: v.AmountRemaining, IssueDate: optionalDate(v.IssueDate.String()),
		Memo: v.Memo, CreatedAt: v.CreatedAt.UTC(), UpdatedAt: v.UpdatedAt.UTC(),
	}
}

func (s *Server) putCredit(c *gin.Context) {
	putOne(s, c, func(r *creditRequest) *string { return &r.ExternalID }, creditRequest.input, s.vendors.PushCredits,
		func(ctx context.Context, vendorID int64, externalID string) (any, error) {
			v, err := s.vendors.GetCredit(ctx, vendorID, externalID)
			return creditOut(v), err
		})
}

func (s *Server) getCredit(c *gin.Context) {
	v, err := s.vendors.GetCredit(c.Request.Context(), vendorID(c), c.Param("external_id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(200, creditOut(v))
}

type creditList struct {
	Data       []creditResponse `json:"data"`
	NextCursor *string          `json:"next_cursor"`
}

func (s *Server) listCredits(c *gin.Context) {
	page, err := s.readPage(c, "updated_after")
	if err != nil {
		s.fail(c, err)
		return
	}
	updatedAfter, bad := readUpdatedAfter(c)
	if bad != nil {
		s.fail(c, &vendors.ValidationError{Fields: []vendors.FieldError{*bad}})
		return
	}
	views, more, err := s.vendors.ListCredits(c.Request.Context(), vendorID(c),
		vendors.CreditFilter{UpdatedAfter: updatedAfter, AfterID: page.after, Limit: page.limit})
	if err != nil {
		s.fail(c, err)
		return
	}
	out := creditList{Data: make([]creditResponse, len(views))}
	for i, v := range views {
		out.Data[i] = creditOut(v)
	}
	if more {
		out.NextCursor = page.next(views[len(views)-1].ID)
	}
	c.JSON(200, out)
}
