package handlers

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/payers"
)

// Payments payers reported to the vendor (remittance advice), and the
// vendor's confirmation that the money arrived.

type paymentJSON struct {
	ID          int64                `json:"id"`
	Status      string               `json:"status"`
	Method      string               `json:"method"`
	Reference   string               `json:"reference"`
	PaidOn      string               `json:"paid_on"`
	Currency    string               `json:"currency"`
	Amount      int64                `json:"amount"`
	Invoices    []paymentInvoiceJSON `json:"invoices"`
	ReportedAt  time.Time            `json:"reported_at"`
	ConfirmedAt *time.Time           `json:"confirmed_at"`
}

type paymentInvoiceJSON struct {
	ExternalID string `json:"external_id"`
	Number     string `json:"number"`
	Amount     int64  `json:"amount"`
}

type paymentList struct {
	Data       []paymentJSON `json:"data"`
	NextCursor *string       `json:"next_cursor"`
}

// paymentConfirmRequest is the body of a confirmation: nothing, or {}.
type paymentConfirmRequest struct{}

func paymentOut(p payers.VendorPayment) paymentJSON {
	out := paymentJSON{
		ID: p.ID, Status: p.Status(), Method: p.Method, Reference: p.Reference, PaidOn: p.PaidOn.String(),
		Currency: p.Currency, Amount: p.Amount, Invoices: make([]paymentInvoiceJSON, len(p.Invoices)),
		ReportedAt: p.CreatedAt.UTC(), ConfirmedAt: utcPtr(p.ConfirmedAt),
	}
	for i, l := range p.Invoices {
		out.Invoices[i] = paymentInvoiceJSON{ExternalID: l.InvoiceExternalID, Number: l.InvoiceNumber, Amount: l.Amount}
	}
	return out
}

// listPayments answers GET /v1/payments?status=&limit=&cursor=.
func (s *Server) listPayments(c *gin.Context) {
	page, err := s.readPage(c, "status")
	if err != nil {
		s.fail(c, err)
		return
	}
	reports, err := s.payers.VendorPayments(c.Request.Context(), vendorID(c), payers.VendorPaymentFilter{
		Status: c.Query("status"), AfterID: page.after, Limit: page.limit + 1,
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	out := paymentList{Data: make([]paymentJSON, 0, len(reports))}
	if len(reports) > page.limit {
		reports = reports[:page.limit]
		out.NextCursor = page.next(reports[len(reports)-1].ID)
	}
	for _, p := range reports {
		out.Data = append(out.Data, paymentOut(p))
	}
	c.JSON(200, out)
}

// confirmPayment answers POST /v1/payments/:id/confirm.
func (s *Server) confirmPayment(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	body, err := readBody(c, maxSingleBody)
	if err != nil {
		s.fail(c, err)
		return
	}
	if len(body) > 0 {
		if err := decodeStrict(body, &paymentConfirmRequest{}); err != nil {
			s.fail(c, err)
			return
		}
	}
	p, err := s.payers.ConfirmPayment(c.Request.Context(), vendorID(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(200, paymentOut(p))
}
