package analytics

import (
	"fmt"
	"time"
)

// The reminder effect: of the vendor's invoices that a digest carried
// (digest_invoices, written when a digest is sent), the share paid within
// ReminderWindow of a digest that carried them; and the payer's clicks on
// Pay for the vendor's invoices per digest that carried any. For the
// share, digests count when sent in the period and at least
// ReminderWindow before now, so every one has had its full week; clicks
// and digests per click count in the period.

// ReminderWindow is how soon after a digest a payment counts as its effect.
const ReminderWindow = 7 * 24 * time.Hour

// ReminderEffect is what the period's digests did for the vendor.
type ReminderEffect struct {
	Digests         int64    // sent in the period, carrying at least one of the vendor's invoices
	Invoices        int64    // the vendor's invoices carried by those sent at least 7 days ago
	PaidWithin7Days int64    // of those, paid within 7 days of a digest that carried them
	Share           *float64 // PaidWithin7Days per cent of Invoices
	PayClicks       int64    // clicks on Pay for the vendor's invoices in the period
	ClicksPerDigest *float64 // PayClicks / Digests, two decimals
}

func (q *query) reminders(r *Report) error {
	cf, cargs := q.currencyFilter("i.currency")
	until := q.now.Add(-ReminderWindow)
	if q.end.Before(until) {
		until = q.end
	}
	var e struct{ Invoices, Paid int64 }
	err := q.db.Raw(`SELECT COUNT(DISTINCT d.invoice_id) AS invoices,
    COUNT(DISTINCT CASE WHEN i.paid_at IS NOT NULL AND `+q.within("d.sent_at", "i.paid_at", 7)+` THEN d.invoice_id END) AS paid
FROM digest_invoices d JOIN invoices i ON i.id = d.invoice_id
WHERE d.vendor_id = ? AND i.vendor_id = ? AND d.sent_at >= ? AND d.sent_at < ?`+cf,
		append([]any{q.vendorID, q.vendorID, q.start, until}, cargs...)...).Scan(&e).Error
	if err != nil {
		return fmt.Errorf("reminder effect: %w", err)
	}
	var clicks struct{ N int64 }
	var sent struct{ Digests int64 }
	err = q.db.Raw(`SELECT COUNT(*) AS n FROM pay_clicks p JOIN invoices i ON i.id = p.invoice_id
WHERE i.vendor_id = ? AND p.created_at >= ? AND p.created_at < ?`+cf,
		append([]any{q.vendorID, q.start, q.end}, cargs...)...).Scan(&clicks).Error
	if err != nil {
		return fmt.Errorf("pay clicks: %w", err)
	}
	err = q.db.Raw(`SELECT COUNT(DISTINCT d.digest_id) AS digests FROM digest_invoices d JOIN invoices i ON i.id = d.invoice_id
WHERE d.vendor_id = ? AND i.vendor_id = ? AND d.sent_at >= ? AND d.sent_at < ?`+cf,
		append([]any{q.vendorID, q.vendorID, q.start, q.end}, cargs...)...).Scan(&sent).Error
	if err != nil {
		return fmt.Errorf("digests: %w", err)
	}
	re := ReminderEffect{Digests: sent.Digests, Invoices: e.Invoices, PaidWithin7Days: e.Paid, Share: share(e.Paid, e.Invoices),
		PayClicks: clicks.N}
	if sent.Digests > 0 {
		f := float64(int64(float64(clicks.N)/float64(sent.Digests)*100+0.5)) / 100
		re.ClicksPerDigest = &f
	}
	r.ReminderEffect = re
	return nil
}
