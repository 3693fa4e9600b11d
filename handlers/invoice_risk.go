package handlers

import (
	"context"

	"github.com/duehub/duehub/vendors"
)

// addRisks sets the late-payment risk of the open invoices among views on
// their responses out (same order), as the vendor's risk store has it.
func (s *Server) addRisks(ctx context.Context, vendorID int64, views []vendors.InvoiceView, out []invoiceResponse) error {
	if s.risk == nil {
		return nil
	}
	var ids []int64
	for _, v := range views {
		if v.Status == vendors.StatusOpen && v.AmountRemaining > 0 {
			ids = append(ids, v.ID)
		}
	}
	risks, err := s.risk.Risks(ctx, vendorID, ids)
	if err != nil {
		return err
	}
	for i, v := range views {
		if r, ok := risks[v.ID]; ok {
			out[i].Risk = &r
		}
	}
	return nil
}
