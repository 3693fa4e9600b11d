package handlers

import (
	"context"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/vendors"
)

func (s *Server) putInvoice(c *gin.Context) {
	putOne(s, c, func(r *invoiceRequest) *string { return &r.ExternalID }, invoiceRequest.input, s.vendors.PushInvoices,
		func(ctx context.Context, vendorID int64, externalID string) (any, error) {
			v, err := s.vendors.GetInvoice(ctx, vendorID, externalID)
			return invoiceOut(v), err
		})
}

func (s *Server) batchInvoices(c *gin.Context) {
	inputs, index, results, err := decodeBatch(c, "invoices", invoiceRequest.input)
	if err != nil {
		s.fail(c, err)
		return
	}
	pushed, err := s.vendors.PushInvoices(c.Request.Context(), vendorID(c), inputs)
	s.answerBatch(c, results, index, pushed, err)
}

func (s *Server) getInvoice(c *gin.Context) {
	v, err := s.vendors.GetInvoice(c.Request.Context(), vendorID(c), c.Param("external_id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	out := []invoiceResponse{invoiceOut(v)}
	if err := s.addRisks(c.Request.Context(), vendorID(c), []vendors.InvoiceView{v}, out); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(200, out[0])
}

type invoiceList struct {
	Data       []invoiceResponse `json:"data"`
	NextCursor *string           `json:"next_cursor"`
}

func (s *Server) listInvoices(c *gin.Context) {
	page, err := s.readPage(c, "status", "customer", "due_before", "due_after", "updated_after")
	if err != nil {
		s.fail(c, err)
		return
	}
	f := vendors.InvoiceFilter{AfterID: page.after, Limit: page.limit, Customer: c.Query("customer")}
	var fe []vendors.FieldError
	if t, bad := readUpdatedAfter(c); bad != nil {
		fe = append(fe, *bad)
	} else {
		f.UpdatedAfter = t
	}
	switch st := c.Query("status"); st {
	case "", vendors.StatusOpen, vendors.StatusPaid, vendors.StatusVoid:
		f.Status = st
	default:
		fe = append(fe, vendors.FieldError{Field: "status", Message: "must be open, paid or void"})
	}
	for _, q := range []struct {
		name string
		to   *civil.Date
	}{{"due_before", &f.DueBefore}, {"due_after", &f.DueAfter}} {
		if raw := c.Query(q.name); raw != "" {
			d, err := civil.Parse(raw)
			if err != nil {
				fe = append(fe, vendors.FieldError{Field: q.name, Message: "must be a date like 2026-12-01"})
			}
			*q.to = d
		}
	}
	if len(fe) > 0 {
		s.fail(c, &vendors.ValidationError{Fields: fe})
		return
	}
	views, more, err := s.vendors.ListInvoices(c.Request.Context(), vendorID(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := invoiceList{Data: make([]invoiceResponse, len(views))}
	for i, v := range views {
		out.Data[i] = invoiceOut(v)
	}
	if err := s.addRisks(c.Request.Context(), vendorID(c), views, out.Data); err != nil {
		s.fail(c, err)
		return
	}
	if more {
		out.NextCursor = page.next(views[len(views)-1].ID)
	}
	c.JSON(200, out)
}
