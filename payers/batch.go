package payers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/duehub/duehub/vendors"
)

// The batch readers below serve the digest pass: one query for a whole batch
// of payers instead of one (or two) per payer. Each returns per-payer
// results keyed by payer id, every row scoped to the payer it was read for.

// GetMany returns the payers with these ids, by id; ids that do not exist
// are absent from the map.
func (s *Store) GetMany(ctx context.Context, payerIDs []int64) (map[int64]Payer, error) {
	out := make(map[int64]Payer, len(payerIDs))
	if len(payerIDs) == 0 {
		return out, nil
	}
	var ps []Payer
	if err := s.db.WithContext(ctx).Where("id IN ?", payerIDs).Find(&ps).Error; err != nil {
		return nil, fmt.Errorf("payers: get many: %w", err)
	}
	for _, p := range ps {
		out[p.ID] = p
	}
	return out, nil
}

// OpenInvoicesOf is OpenInvoices for many payers in one query: for each
// payer, the same rows in the same order (due date, then id). payers must
// hold every payer of payerIDs; it dates their promise holds.
func (s *Store) OpenInvoicesOf(ctx context.Context, payers map[int64]Payer, payerIDs []int64, now time.Time) (map[int64][]OpenInvoice, error) {
	out := make(map[int64][]OpenInvoice, len(payerIDs))
	if len(payerIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		OpenInvoice
		PayerID int64
	}
	// The shared SELECT, with the payer each row belongs to in front.
	err := s.db.WithContext(ctx).Raw(strings.Replace(payerInvoicesSQL, "SELECT ", "SELECT c.payer_id, ", 1)+`
WHERE c.payer_id IN ? AND i.status = 'open' AND i.amount_remaining > 0
  AND i.vendor_id NOT IN (`+vendors.InactiveVendorsSQL+`) -- issue 15: suspended vendors leave digests
ORDER BY c.payer_id, i.due_date, i.id`, now.UTC(), now.UTC(), payerIDs).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("payers: open invoices of many: %w", err)
	}
	for _, r := range rows {
		o := r.OpenInvoice
		if o.HoldKind == HoldPromise && o.HoldUntil != nil {
			p, ok := payers[r.PayerID]
			if !ok {
				return nil, fmt.Errorf("payers: open invoices of many: payer %d not given", r.PayerID)
			}
			o.PromisedFor = PromisedDate(*o.HoldUntil, p.Location())
		}
		out[r.PayerID] = append(out[r.PayerID], o)
	}
	return out, nil
}

// RecipientsOf is Recipients for many payers in two queries.
func (s *Store) RecipientsOf(ctx context.Context, payerIDs []int64) (map[int64]Recipients, error) {
	out := make(map[int64]Recipients, len(payerIDs))
	if len(payerIDs) == 0 {
		return out, nil
	}
	var contacts []Contact
	err := s.db.WithContext(ctx).Where(`payer_id IN ? AND NOT EXISTS (SELECT 1 FROM suppressions s
		WHERE s.channel = (CASE WHEN payer_contacts.kind = 'phone' THEN 'sms' ELSE 'email' END) AND s.address = payer_contacts.value)`, payerIDs).
		Order("payer_id, id").Find(&contacts).Error
	if err != nil {
		return nil, fmt.Errorf("payers: recipients of many: %w", err)
	}
	var consented []struct {
		PayerID int64
		Phone   string
	}
	err = s.db.WithContext(ctx).Table("customers").Distinct("payer_id", "phone").
		Where("payer_id IN ? AND sms_consent AND phone <> ''", payerIDs).Scan(&consented).Error
	if err != nil {
		return nil, fmt.Errorf("payers: sms consent of many: %w", err)
	}
	type key struct {
		payer int64
		phone string
	}
	ok := make(map[key]bool, len(consented))
	for _, c := range consented {
		ok[key{c.PayerID, c.Phone}] = true
	}
	for _, c := range contacts {
		r := out[c.PayerID]
		switch {
		case c.Kind == "phone" && ok[key{c.PayerID, c.Value}]:
			r.SMS = append(r.SMS, c.Value)
		case c.Kind == "email" && c.Role == "cc":
			r.CC = append(r.CC, c.Value)
		case c.Kind == "email" && c.Role == "bcc":
			r.BCC = append(r.BCC, c.Value)
		case c.Kind == "email":
			r.To = append(r.To, c.Value)
		}
		out[c.PayerID] = r
	}
	return out, nil
}
