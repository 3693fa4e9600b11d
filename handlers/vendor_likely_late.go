package handlers

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/money"
	"github.com/duehub/duehub/risk"
)

// GET /vendor/likely-late (issue 16): the signed-in member's vendor's open
// invoices most likely to be paid more than 7 days late, with the three
// reasons and whether the early-mention option advanced them.

// likelyLateMin is the lowest probability the queue lists; likelyLateMax
// how many rows it shows.
const (
	likelyLateMin = 0.3
	likelyLateMax = 200
)

type likelyLateRow struct {
	Number, Customer, Amount, Due string
	Percent                       string
	Level                         string
	Reasons                       []string
	Model                         string
	MentionFrom                   string
}

type likelyLateView struct {
	Rows      []likelyLateRow
	Early     risk.EarlyPolicy
	Threshold string
	Model     risk.Model
}

func (s *Server) vendorLikelyLate(c *gin.Context) {
	if s.risk == nil {
		s.vendorNotFound(c)
		return
	}
	ctx, vendorID := c.Request.Context(), member(c).VendorID
	rows, err := s.risk.LikelyLate(ctx, vendorID, likelyLateMin, likelyLateMax)
	if err != nil {
		s.fail(c, err)
		return
	}
	v := likelyLateView{}
	if v.Early, err = s.risk.Early(ctx, vendorID); err != nil {
		s.fail(c, err)
		return
	}
	v.Threshold = fmt.Sprintf("%.0f%%", v.Early.Threshold*100)
	if v.Model, err = s.risk.Model(ctx, vendorID); err != nil {
		s.fail(c, err)
		return
	}
	for _, r := range rows {
		row := likelyLateRow{Number: r.Number, Customer: r.CustomerName, Amount: money.Format(r.AmountRemaining, r.Currency),
			Due: formatDay(r.DueDate), Percent: riskPercent(r.P()), Level: r.Level, Reasons: r.Reasons,
			Model: modelLabels[r.Model]}
		if !r.MentionFrom.IsZero() {
			row.MentionFrom = formatDay(r.MentionFrom)
		}
		v.Rows = append(v.Rows, row)
	}
	s.renderVendor(c, http.StatusOK, "likely_late", vendorPage{Title: "Likely late", Data: v})
}

// riskPercent says a late-payment probability as the pages show it.
func riskPercent(p float64) string { return fmt.Sprintf("%.0f%%", p*100) }

var modelLabels = map[string]string{
	risk.KindLogistic:  "model",
	risk.KindLateShare: "late share (little history)",
	risk.KindOverdue:   "already late",
	risk.KindNone:      "no history",
}
