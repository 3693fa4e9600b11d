package risk

import (
	"context"
	"fmt"
	"time"

	"github.com/duehub/duehub/civil"
)

// Likely is one row of the vendor's "likely late" queue.
type Likely struct {
	InvoiceID       int64
	ExternalID      string
	Number          string
	CustomerName    string
	Currency        string
	AmountRemaining int64
	DueDate         civil.Date
	Risk
	ScoredAt time.Time
	// MentionFrom is, for an invoice the early-mention option advances,
	// the first day its payer's regular digest may list it; zero otherwise.
	MentionFrom civil.Date
}

// LikelyLate returns the vendor's open invoices scored at least min, most
// likely late first, at most limit of them.
func (s *Store) LikelyLate(ctx context.Context, vendorID int64, min float64, limit int) ([]Likely, error) {
	early, err := s.Early(ctx, vendorID)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		InvoiceID       int64
		Probability     *float64
		Level           string
		Reasons         string
		Model           string
		ScoredAt        time.Time
		ExternalID      string
		Number          string
		CustomerName    string
		Currency        string
		AmountRemaining int64
		DueDate         civil.Date
	}
	err = s.db.WithContext(ctx).Raw(`
SELECT r.invoice_id, r.probability, r.level, r.reasons, r.model, r.scored_at,
       i.external_id, i.number, c.name AS customer_name, i.currency, i.amount_remaining, i.due_date
FROM invoice_risks r
JOIN invoices i ON i.id = r.invoice_id AND i.vendor_id = r.vendor_id
JOIN customers c ON c.id = i.customer_id
WHERE r.vendor_id = ? AND i.status = 'open' AND i.amount_remaining > 0 AND r.probability >= ?
ORDER BY r.probability DESC, i.due_date, i.id
LIMIT ?`, vendorID, min, limit).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("risk: likely late: %w", err)
	}
	out := make([]Likely, len(rows))
	for i, r := range rows {
		out[i] = Likely{InvoiceID: r.InvoiceID, ExternalID: r.ExternalID, Number: r.Number, CustomerName: r.CustomerName,
			Currency: r.Currency, AmountRemaining: r.AmountRemaining, DueDate: r.DueDate, Risk: scoreRow{Probability: r.Probability, Level: r.Level, Reasons: r.Reasons, Model: r.Model}.risk(), ScoredAt: r.ScoredAt}
		if early.Enabled && r.Probability != nil && *r.Probability >= early.Threshold && r.Model != KindOverdue {
			out[i].MentionFrom = r.DueDate.AddDays(-min14(early.Days + earlyLead))
		}
	}
	return out, nil
}

// earlyLead is the days before its due date an invoice is first listed
// without the option: the week's lead of a weekly payer (bundler's
// coverage point). The page shows the advanced day from it; the planner
// counts from the payer's own lead.
const earlyLead = 7

func min14(d int) int { return min(d, 14) }

// CustomerRisks returns, for each of the vendor's customers (by external
// id) and currency, the highest stored risk among its open invoices: the
// analytics CSV's late_risk column.
func (s *Store) CustomerRisks(ctx context.Context, vendorID int64) (map[[2]string]float64, error) {
	var rows []struct {
		ExternalID string
		Currency   string
		P          float64
	}
	err := s.db.WithContext(ctx).Raw(`
SELECT c.external_id, i.currency, MAX(r.probability) AS p
FROM invoice_risks r
JOIN invoices i ON i.id = r.invoice_id AND i.vendor_id = r.vendor_id
JOIN customers c ON c.id = i.customer_id
WHERE r.vendor_id = ? AND i.status = 'open' AND r.probability IS NOT NULL
GROUP BY c.external_id, i.currency`, vendorID).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("risk: customer risks: %w", err)
	}
	out := make(map[[2]string]float64, len(rows))
	for _, r := range rows {
		out[[2]string{r.ExternalID, r.Currency}] = r.P
	}
	return out, nil
}
