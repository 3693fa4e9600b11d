package payers

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/duehub/duehub/civil"
)

// Where an open invoice stands, for the portal inbox's filters and totals.
const (
	BucketHold    = "hold"    // an active hold: not counted in the amount due
	BucketOverdue = "overdue" // past its due date
	BucketDue7    = "due7"    // due today or within 7 days
	BucketLater   = "later"   // due later
)

// InboxGroup sums the payer's open invoices of one vendor, currency and
// bucket. The inbox reads every count, total and the vendors' order from
// these rows (a few per vendor) and only its page of lines from invoices.
type InboxGroup struct {
	VendorID     int64
	VendorName   string
	VendorDomain string
	Muted        bool
	Currency     string
	Bucket       string
	Lines        int
	Amount       int64      // sum of amount_remaining
	Oldest       civil.Date // earliest due date
}

// bucketSQL classifies an open invoice i (three ? for now, today and today
// + 7 days). A hold wins over dates, as in the digest.
const bucketSQL = `CASE
  WHEN EXISTS (SELECT 1 FROM holds h WHERE h.invoice_id = i.id AND h.released_at IS NULL
               AND (h.until IS NULL OR h.until > ?)) THEN 'hold'
  WHEN i.due_date < ? THEN 'overdue'
  WHEN i.due_date <= ? THEN 'due7'
  ELSE 'later' END`

// openOfPayerSQL is the set the inbox lists: the payer's open invoices with
// something remaining (one ? for the payer).
const openOfPayerSQL = `FROM customers c JOIN invoices i ON i.customer_id = c.id
WHERE c.payer_id = ? AND i.status = 'open' AND i.amount_remaining > 0`

func bucketArgs(now time.Time, today civil.Date) []any {
	return []any{now.UTC(), today, today.AddDays(7)}
}

// InboxGroups returns the payer's open invoices summed by vendor, currency
// and bucket, in one aggregate. now decides which holds are active; today is
// the payer's calendar day.
func (s *Store) InboxGroups(ctx context.Context, payerID int64, now time.Time, today civil.Date) ([]InboxGroup, error) {
	args := append([]any{payerID}, bucketArgs(now, today)...)
	args = append(args, payerID)
	var rows []InboxGroup
	err := s.db.WithContext(ctx).Raw(`
SELECT g.vendor_id, v.name AS vendor_name, v.domain AS vendor_domain,
       EXISTS (SELECT 1 FROM payer_mutes m WHERE m.payer_id = ? AND m.vendor_id = g.vendor_id) AS muted,
       g.currency, g.bucket, g.lines, g.amount, g.oldest
FROM (SELECT i.vendor_id, i.currency, `+bucketSQL+` AS bucket,
             COUNT(*) AS lines, CAST(SUM(i.amount_remaining) AS BIGINT) AS amount, MIN(i.due_date) AS oldest
      `+openOfPayerSQL+`
      GROUP BY 1, 2, 3) g
JOIN vendors v ON v.id = g.vendor_id
ORDER BY g.vendor_id, g.currency, g.bucket`, args...).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("payers: inbox groups: %w", err)
	}
	return rows, nil
}

// InboxPage selects one page of the inbox's lines. The caller knows from
// InboxGroups which vendors the page spans and where it starts.
type InboxPage struct {
	// Vendors are the vendors on the page, in the order shown.
	Vendors []int64
	// Buckets keep only invoices in these buckets; none keeps all.
	Buckets []string
	// ByAmount orders each vendor's lines by currency, then the largest
	// remaining first; otherwise by due date. Ties go by invoice id.
	ByAmount bool
	// Offset skips that many lines (of Vendors[0]); Limit is the page size.
	Offset, Limit int
}

// InboxLines returns one page of the payer's open invoices, in the order the
// inbox shows them: by vendor as page.Vendors lists them, then by due date
// or amount. Vendor name, domain and mute are left to InboxGroups.
func (s *Store) InboxLines(ctx context.Context, payerID int64, now time.Time, today civil.Date, page InboxPage) ([]OpenInvoice, error) {
	if len(page.Vendors) == 0 || page.Limit <= 0 {
		return nil, nil
	}
	// The vendor list is padded with id 0 (no vendor) to a few fixed
	// lengths, so that the statement's text, and with it the prepared
	// statement and its plan, is one of a handful.
	vendors := padIDs(page.Vendors)
	args := []any{now.UTC(), now.UTC(), payerID, vendors}
	where := ""
	if len(page.Buckets) > 0 {
		where = " AND " + bucketSQL + " IN ?"
		args = append(append(args, bucketArgs(now, today)...), page.Buckets)
	}
	var rank strings.Builder
	rank.WriteString("CASE i.vendor_id")
	for i, v := range vendors {
		rank.WriteString(" WHEN ? THEN " + strconv.Itoa(i))
		args = append(args, v)
	}
	rank.WriteString(" END")
	order := "i.due_date, i.id"
	if page.ByAmount {
		order = "i.currency, i.amount_remaining DESC, i.due_date, i.id"
	}
	var rows []OpenInvoice
	err := s.db.WithContext(ctx).Raw(`
SELECT i.id AS invoice_id, i.vendor_id, i.number, i.currency, i.amount_remaining, i.issue_date, i.due_date,
       COALESCE((SELECT h.kind FROM holds h WHERE h.invoice_id = i.id AND h.released_at IS NULL
                  AND (h.until IS NULL OR h.until > ?) ORDER BY h.id LIMIT 1), '') AS hold_kind,
       (SELECT h.until FROM holds h WHERE h.invoice_id = i.id AND h.released_at IS NULL
                  AND (h.until IS NULL OR h.until > ?) ORDER BY h.id LIMIT 1) AS hold_until
`+openOfPayerSQL+` AND i.vendor_id IN ?`+where+`
ORDER BY `+rank.String()+`, `+order+`
LIMIT ? OFFSET ?`, append(args, page.Limit, page.Offset)...).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("payers: inbox lines: %w", err)
	}
	if err := s.datePromises(ctx, payerID, rows); err != nil {
		return nil, err
	}
	return rows, nil
}

// padIDs pads ids with zeros to the next of 1, 2, 4, 8, 16, 32 or 64
// entries (or its own length beyond).
func padIDs(ids []int64) []int64 {
	n := 1
	for n < len(ids) && n < 64 {
		n *= 2
	}
	out := make([]int64, max(n, len(ids)))
	copy(out, ids)
	return out
}
