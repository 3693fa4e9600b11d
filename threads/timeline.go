package threads

import (
	"context"

	"github.com/duehub/duehub/payers"
)

// InvoiceTimeline returns what happened to one of the payer's invoices,
// newest first: payers.Store.InvoiceEvents and the invoice's conversations
// (each question or dispute, answer, reply and resolution). Another payer's
// invoice is payers.ErrNotFound.
func (s *Store) InvoiceTimeline(ctx context.Context, payerID, invoiceID int64) ([]payers.TimelineEntry, error) {
	out, err := s.payers.InvoiceEvents(ctx, payerID, invoiceID)
	if err != nil {
		return nil, err
	}
	add := func(e payers.TimelineEntry) { out = append(out, e) }
	list, err := s.ThreadsOfInvoice(ctx, payerID, invoiceID)
	if err != nil {
		return nil, err
	}
	for _, t := range list {
		for i, m := range t.Messages {
			e := payers.TimelineEntry{At: m.CreatedAt, ThreadID: t.ID, Kind: payers.TimelineReply}
			switch {
			case i == 0 && t.Kind == ThreadDispute:
				e.Kind, e.Label, e.Amount, e.Currency = payers.TimelineDispute, t.Reason, t.DisputedAmount, t.Currency
			case i == 0:
				e.Kind = payers.TimelineQuestion
			case m.Author == "vendor":
				e.Kind = payers.TimelineAnswer
			}
			add(e)
		}
		if t.ResolvedAt != nil {
			add(payers.TimelineEntry{At: *t.ResolvedAt, Kind: payers.TimelineResolved, ThreadID: t.ID, Label: t.Outcome})
		}
	}
	payers.SortTimeline(out)
	return out, nil
}
