package handlers

import (
	"context"
	"strings"

	"github.com/duehub/duehub/locale"
	"github.com/duehub/duehub/money"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// timelineEntry is one line of an invoice's story as the payer reads it.
type timelineEntry struct {
	At, Text string
	Thread   int64 // links to the conversation when set
}

// invoiceTimeline tells what happened to one of the payer's invoices,
// newest first, in the payer's words and timezone.
func (s *Server) invoiceTimeline(ctx context.Context, payerID int64, inv payers.InvoiceDetail) ([]timelineEntry, error) {
	entries, err := s.threads.InvoiceTimeline(ctx, payerID, inv.InvoiceID)
	if err != nil {
		return nil, err
	}
	p, err := s.payers.Get(ctx, payerID)
	if err != nil {
		return nil, err
	}
	loc, vendor := p.Location(), inv.VendorName
	out := make([]timelineEntry, 0, len(entries))
	for _, e := range entries {
		amount := ""
		if e.Amount > 0 {
			amount = money.Format(e.Amount, e.Currency)
		}
		var text string
		switch e.Kind {
		case payers.TimelineDigest:
			text = "Reminder sent to you by email"
			if e.Channel == "sms" {
				text = "Reminder sent to you by text message"
			}
		case payers.TimelinePayClick:
			text = "You opened " + vendors.Possessive(vendor) + " payment page"
		case payers.TimelinePromise:
			text = "You promised to pay" + prefixed(" ", amount) + " by " + locale.Day(p.Locale, e.Date)
		case payers.TimelinePromiseReplaced:
			text = "Your promise for " + locale.Day(p.Locale, e.Date) + " was replaced by a new one"
		case payers.TimelinePromiseBroken:
			text = "The promise for " + locale.Day(p.Locale, e.Date) + " passed unpaid: reminders resumed"
		case payers.TimelineCredit:
			text = "You applied credit " + e.Label + ": " + amount
		case payers.TimelinePaymentReported:
			text = "You reported a payment of " + amount + " (" + strings.ToLower(labelOf(paymentMethods, e.Label)) + ", paid " + locale.Day(p.Locale, e.Date) + ")"
		case payers.TimelinePaymentConfirmed:
			text = vendor + " confirmed your payment of " + amount
		case payers.TimelineQuestion:
			text = "You asked " + vendor + " a question"
		case payers.TimelineDispute:
			text = "You disputed " + amount + ": " + reasonLabel(e.Label)
		case payers.TimelineAnswer:
			text = vendor + " answered"
		case payers.TimelineReply:
			text = "You replied"
		case payers.TimelineResolved:
			text = vendor + " resolved it: " + strings.ToLower(outcomeLabel(e.Label))
		default:
			continue
		}
		out = append(out, timelineEntry{At: locale.Moment(p.Locale, e.At.In(loc)), Text: text, Thread: e.ThreadID})
	}
	return out, nil
}

func prefixed(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}

func labelOf(options []reasonOption, code string) string {
	for _, o := range options {
		if o.Code == code {
			return o.Label
		}
	}
	return code
}
