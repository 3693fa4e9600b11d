package payers

import (
	"context"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"

	"github.com/duehub/duehub/vendors"
)

// What a payer did that a vendor should see on its customer's page: mutes,
// pauses and their undoing (customer_activity, written with the events),
// pay clicks, applied credits and unsubscribes (read from where each is
// kept). Every read is scoped by the vendor and one of its customers.

// Kinds of customer activity.
const (
	ActivityMuted        = "muted"
	ActivityUnmuted      = "unmuted"
	ActivityPaused       = "paused"
	ActivityResumed      = "resumed"
	ActivityPayClick     = "pay_click"
	ActivityCredit       = "credit"
	ActivityUnsubscribed = "unsubscribed"
)

var activityEvent = map[string]string{
	ActivityMuted: vendors.EventPayerMuted, ActivityUnmuted: vendors.EventPayerUnmuted,
	ActivityPaused: vendors.EventPayerPaused, ActivityResumed: vendors.EventPayerResumed,
}

// tellVendorsOfReminders writes, inside tx, the event of kind (muted,
// unmuted, paused, resumed) to each vendor billing the payer (only vendorID
// when it is not 0), naming that vendor's own customers, and one activity
// row per customer. extra goes into the event's data.
func tellVendorsOfReminders(tx *gorm.DB, payerID, vendorID int64, kind, detail string, extra map[string]any, now time.Time) error {
	q := tx.Table("customers").Select("id", "vendor_id", "external_id").Where("payer_id = ?", payerID)
	if vendorID != 0 {
		q = q.Where("vendor_id = ?", vendorID)
	}
	var custs []struct {
		ID         int64
		VendorID   int64
		ExternalID string
	}
	if err := q.Order("vendor_id, external_id").Scan(&custs).Error; err != nil {
		return fmt.Errorf("%s: find customers: %w", kind, err)
	}
	for i := 0; i < len(custs); {
		j, ids := i, []string{}
		for ; j < len(custs) && custs[j].VendorID == custs[i].VendorID; j++ {
			ids = append(ids, custs[j].ExternalID)
			err := tx.Exec(`INSERT INTO customer_activity (vendor_id, customer_id, kind, detail, created_at) VALUES (?, ?, ?, ?, ?)`,
				custs[j].VendorID, custs[j].ID, kind, detail, now).Error
			if err != nil {
				return fmt.Errorf("%s: record activity: %w", kind, err)
			}
		}
		data := map[string]any{"customers": ids}
		for k, v := range extra {
			data[k] = v
		}
		if err := vendors.WriteEvent(tx, custs[i].VendorID, activityEvent[kind], data, now); err != nil {
			return err
		}
		i = j
	}
	return nil
}

// Activity is one thing the customer's payer did, as its vendor sees it.
type Activity struct {
	Kind string
	// Detail: the invoice number (pay click, credit), the last paused day,
	// or the address unsubscribed.
	Detail    string
	Amount    int64 // a credit applied
	Currency  string
	CreatedAt time.Time
}

// CustomerActivity returns up to limit of the latest activities of one of
// the vendor's customers, newest first. A customer of another vendor has
// none.
func (s *Store) CustomerActivity(ctx context.Context, vendorID, customerID int64, limit int) ([]Activity, error) {
	db := s.db.WithContext(ctx)
	var out, rows []Activity
	err := db.Raw(`SELECT kind, detail, created_at FROM customer_activity
WHERE vendor_id = ? AND customer_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`, vendorID, customerID, limit).Scan(&rows).Error
	if err != nil {
		return nil, activityErr(err)
	}
	out = append(out, rows...)
	rows = nil
	err = db.Raw(`SELECT 'pay_click' AS kind, i.number AS detail, pc.created_at FROM pay_clicks pc
JOIN invoices i ON i.id = pc.invoice_id
WHERE i.vendor_id = ? AND i.customer_id = ? ORDER BY pc.created_at DESC, pc.id DESC LIMIT ?`, vendorID, customerID, limit).Scan(&rows).Error
	if err != nil {
		return nil, activityErr(err)
	}
	out = append(out, rows...)
	rows = nil
	err = db.Raw(`SELECT 'credit' AS kind, i.number AS detail, a.amount, i.currency, a.created_at FROM credit_applications a
JOIN invoices i ON i.id = a.invoice_id
WHERE i.vendor_id = ? AND i.customer_id = ? ORDER BY a.created_at DESC, a.id DESC LIMIT ?`, vendorID, customerID, limit).Scan(&rows).Error
	if err != nil {
		return nil, activityErr(err)
	}
	out = append(out, rows...)
	rows = nil
	err = db.Raw(`SELECT 'unsubscribed' AS kind, s.address AS detail, s.created_at FROM suppressions s
JOIN customers c ON c.id = ? AND c.vendor_id = ?
 AND ((s.channel = 'email' AND c.email = s.address) OR (s.channel = 'sms' AND c.phone = s.address))
WHERE s.reason IN ?
ORDER BY s.created_at DESC LIMIT ?`, customerID, vendorID, []string{SuppressUnsubscribe, SuppressComplaint, SuppressSMSStop, SuppressPayerOptOut}, limit).Scan(&rows).Error
	if err != nil {
		return nil, activityErr(err)
	}
	out = append(out, rows...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func activityErr(err error) error { return fmt.Errorf("payers: customer activity: %w", err) }
