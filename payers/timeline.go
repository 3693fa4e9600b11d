package payers

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/duehub/duehub/civil"
)

// The story of one invoice as its payer lived it: what reminded it, what
// the payer did, and what the vendor answered. Every query is scoped by the
// payer as well as by the invoice.

// Timeline entry kinds.
const (
	TimelineDigest           = "digest"
	TimelinePayClick         = "pay_click"
	TimelinePromise          = "promise"
	TimelinePromiseReplaced  = "promise_replaced"
	TimelinePromiseBroken    = "promise_broken"
	TimelineCredit           = "credit"
	TimelinePaymentReported  = "payment_reported"
	TimelinePaymentConfirmed = "payment_confirmed"
	TimelineQuestion         = "question"
	TimelineDispute          = "dispute"
	TimelineAnswer           = "answer" // the vendor's message
	TimelineReply            = "reply"  // the payer's later message
	TimelineResolved         = "resolved"
)

// TimelineEntry is one thing that happened to an invoice.
type TimelineEntry struct {
	At       time.Time
	Kind     string
	Channel  string     // a digest's
	Amount   int64      // a promise's, credit's or payment's (0: the whole invoice)
	Currency string     // with Amount
	Date     civil.Date // a promise's day, a payment's paid-on day
	Label    string     // a credit's number, a dispute's reason, a resolution's outcome, a payment's method
	ThreadID int64
}

// InvoiceEvents returns what happened to one of the payer's invoices but
// for its conversations, in the order read: threads.Store.InvoiceTimeline
// adds the conversations and orders them all (SortTimeline). Another payer's
// invoice has none (ErrNotFound).
func (s *Store) InvoiceEvents(ctx context.Context, payerID, invoiceID int64) ([]TimelineEntry, error) {
	p, err := s.Get(ctx, payerID)
	if err != nil {
		return nil, err
	}
	if _, err := s.Invoice(ctx, payerID, invoiceID); err != nil {
		return nil, err
	}
	db := s.db.WithContext(ctx)
	var out []TimelineEntry
	add := func(e TimelineEntry) { out = append(out, e) }

	var digests []struct {
		Channel string
		SentAt  time.Time
	}
	if err := db.Raw(`SELECT channel, sent_at FROM digests
WHERE payer_id = ? AND status = 'sent' AND sent_at IS NOT NULL AND (',' || invoice_ids || ',') LIKE ?
ORDER BY sent_at DESC LIMIT 50`, payerID, "%,"+strconv.FormatInt(invoiceID, 10)+",%").Scan(&digests).Error; err != nil {
		return nil, fmt.Errorf("payers: timeline digests: %w", err)
	}
	for _, d := range digests {
		add(TimelineEntry{At: d.SentAt, Kind: TimelineDigest, Channel: d.Channel})
	}

	var clicks []time.Time
	if err := db.Raw(`SELECT created_at FROM pay_clicks WHERE payer_id = ? AND invoice_id = ? ORDER BY id DESC LIMIT 50`,
		payerID, invoiceID).Scan(&clicks).Error; err != nil {
		return nil, fmt.Errorf("payers: timeline pay clicks: %w", err)
	}
	for _, at := range clicks {
		add(TimelineEntry{At: at, Kind: TimelinePayClick})
	}

	var holds []Hold
	if err := db.Where("payer_id = ? AND invoice_id = ? AND kind = ?", payerID, invoiceID, HoldPromise).Order("id").Find(&holds).Error; err != nil {
		return nil, fmt.Errorf("payers: timeline promises: %w", err)
	}
	var currency string
	db.Raw(`SELECT currency FROM invoices WHERE id = ?`, invoiceID).Scan(&currency)
	for _, h := range holds {
		var day civil.Date
		if h.Until != nil {
			day = PromisedDate(*h.Until, p.Location())
		}
		add(TimelineEntry{At: h.CreatedAt, Kind: TimelinePromise, Date: day, Amount: h.Amount, Currency: currency})
		if h.SupersededBy != nil && h.ReleasedAt != nil {
			add(TimelineEntry{At: *h.ReleasedAt, Kind: TimelinePromiseReplaced, Date: day})
		}
		if h.BrokenAt != nil {
			add(TimelineEntry{At: *h.BrokenAt, Kind: TimelinePromiseBroken, Date: day})
		}
	}

	var credits []struct {
		Number    string
		Amount    int64
		Currency  string
		CreatedAt time.Time
	}
	if err := db.Raw(`SELECT cn.number, a.amount, a.currency, a.created_at
FROM credit_applications a JOIN credit_notes cn ON cn.id = a.credit_id
WHERE a.payer_id = ? AND a.invoice_id = ? ORDER BY a.id`, payerID, invoiceID).Scan(&credits).Error; err != nil {
		return nil, fmt.Errorf("payers: timeline credits: %w", err)
	}
	for _, c := range credits {
		add(TimelineEntry{At: c.CreatedAt, Kind: TimelineCredit, Amount: c.Amount, Currency: c.Currency, Label: c.Number})
	}

	var payments []struct {
		Method      string
		PaidOn      civil.Date
		Amount      int64
		Currency    string
		CreatedAt   time.Time
		ConfirmedAt *time.Time
	}
	if err := db.Raw(`SELECT r.method, r.paid_on, ri.amount, r.currency, r.created_at, r.confirmed_at
FROM payment_reports r JOIN payment_report_invoices ri ON ri.report_id = r.id
WHERE r.payer_id = ? AND ri.invoice_id = ? ORDER BY r.id`, payerID, invoiceID).Scan(&payments).Error; err != nil {
		return nil, fmt.Errorf("payers: timeline payments: %w", err)
	}
	for _, r := range payments {
		add(TimelineEntry{At: r.CreatedAt, Kind: TimelinePaymentReported, Amount: r.Amount, Currency: r.Currency, Date: r.PaidOn, Label: r.Method})
		if r.ConfirmedAt != nil {
			add(TimelineEntry{At: *r.ConfirmedAt, Kind: TimelinePaymentConfirmed, Amount: r.Amount, Currency: r.Currency})
		}
	}

	return out, nil
}

// SortTimeline puts entries newest first; at the same instant what was
// added later comes first (a resolution before the note it closed with).
func SortTimeline(out []TimelineEntry) {
	slices.Reverse(out)
	slices.SortStableFunc(out, func(a, b TimelineEntry) int { return b.At.Compare(a.At) })
}
