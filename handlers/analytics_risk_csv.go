package handlers

import (
	"context"
	"strconv"
)

// addRiskColumn (issue 16) appends late_risk to the delinquent_customers
// CSV: the highest late-payment probability among the customer's open
// invoices in that currency, empty when none is scored.
func (s *Server) addRiskColumn(ctx context.Context, vendorID int64, set string, recs [][]string) ([][]string, error) {
	if s.risk == nil || set != "delinquent_customers" || len(recs) == 0 {
		return recs, nil
	}
	risks, err := s.risk.CustomerRisks(ctx, vendorID)
	if err != nil {
		return nil, err
	}
	recs[0] = append(recs[0], "late_risk")
	for i, rec := range recs[1:] {
		v := ""
		if p, ok := risks[[2]string{rec[0], rec[2]}]; ok {
			v = strconv.FormatFloat(p, 'f', 3, 64)
		}
		recs[i+1] = append(rec, v)
	}
	return recs, nil
}
