package console

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Store reads the operator's views.
type Store struct {
	db  *gorm.DB
	now func() time.Time
}

// NewStore returns a reader on db; now is the clock.
func NewStore(db *gorm.DB, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, now: now}
}

// HealthWindow is how far back volume and delivery health look.
const HealthWindow = 30 * 24 * time.Hour

// VendorRow is one vendor with its volume and delivery health over
// HealthWindow.
type VendorRow struct {
	ID           int64
	Name         string
	Domain       string
	Status       string
	StatusReason string
	OpenInvoices int64
	NewInvoices  int64 // first seen within the window
	Delivered    int64 // digest.delivered events
	Bounced      int64 // contact.bounced events
	FailingHooks int64 // webhook deliveries failed or being retried
	CreatedAt    time.Time
}

// BounceRate is bounced over delivered plus bounced, in percent.
func (v VendorRow) BounceRate() float64 {
	if v.Delivered+v.Bounced == 0 {
		return 0
	}
	return 100 * float64(v.Bounced) / float64(v.Delivered+v.Bounced)
}

// Vendors returns every vendor but test-mode sandboxes, newest first.
func (s *Store) Vendors(ctx context.Context) ([]VendorRow, error) {
	since := s.now().UTC().Add(-HealthWindow)
	var out []VendorRow
	err := s.db.WithContext(ctx).Raw(`
SELECT v.id, v.name, v.domain, v.status AS status, v.status_reason AS status_reason, v.created_at,
       (SELECT COUNT(*) FROM invoices i WHERE i.vendor_id = v.id AND i.status = 'open' AND i.amount_remaining > 0) AS open_invoices,
       (SELECT COUNT(*) FROM invoices i WHERE i.vendor_id = v.id AND i.created_at >= ?) AS new_invoices,
       (SELECT COUNT(*) FROM events e WHERE e.vendor_id = v.id AND e.type = 'digest.delivered' AND e.created_at >= ?) AS delivered,
       (SELECT COUNT(*) FROM events e WHERE e.vendor_id = v.id AND e.type = 'contact.bounced' AND e.created_at >= ?) AS bounced,
       (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.vendor_id = v.id
          AND (d.status = 'failed' OR (d.status = 'pending' AND d.attempts > 0))) AS failing_hooks
FROM vendors v WHERE v.live_vendor_id IS NULL ORDER BY v.id DESC`, since, since, since).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("console: vendors: %w", err)
	}
	return out, nil
}

// FailingEndpoint is a webhook endpoint that is disabled or whose
// deliveries fail.
type FailingEndpoint struct {
	ID             int64
	VendorID       int64
	VendorName     string
	URL            string
	Status         string
	DisabledReason string
	Failing        int64
	LastError      string
	LastSuccessAt  *time.Time
}

// FailingEndpoints returns endpoints disabled or with deliveries failed or
// being retried, the most failing first.
func (s *Store) FailingEndpoints(ctx context.Context, limit int) ([]FailingEndpoint, error) {
	var out []FailingEndpoint
	err := s.db.WithContext(ctx).Raw(`
SELECT w.id, w.vendor_id, v.name AS vendor_name, w.url, w.status, w.disabled_reason, w.last_success_at,
       (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.endpoint_id = w.id
          AND (d.status = 'failed' OR (d.status = 'pending' AND d.attempts > 0))) AS failing,
       COALESCE((SELECT d.last_error FROM webhook_deliveries d WHERE d.endpoint_id = w.id AND d.last_error <> ''
          ORDER BY d.updated_at DESC LIMIT 1), '') AS last_error
FROM webhook_endpoints w JOIN vendors v ON v.id = w.vendor_id
WHERE w.status = 'disabled' OR EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = w.id
          AND (d.status = 'failed' OR (d.status = 'pending' AND d.attempts > 0)))
ORDER BY failing DESC, w.id LIMIT ?`, limit).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("console: failing endpoints: %w", err)
	}
	return out, nil
}

// DigestRow is one digest with its delivery outcome.
type DigestRow struct {
	ID        int64
	PayerID   int64
	Channel   string
	Kind      string
	Status    string
	Attempts  int
	LastError string
	Delivery  string
	CreatedAt time.Time
	SentAt    *time.Time
}

// RecentDigests returns the newest digests; payerID > 0 keeps that payer's.
func (s *Store) RecentDigests(ctx context.Context, payerID int64, limit int) ([]DigestRow, error) {
	q := s.db.WithContext(ctx).Table("digests").
		Select("id, payer_id, channel, kind, status, attempts, last_error, delivery, created_at, sent_at").
		Order("id DESC").Limit(limit)
	if payerID > 0 {
		q = q.Where("payer_id = ?", payerID)
	}
	var out []DigestRow
	if err := q.Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("console: recent digests: %w", err)
	}
	return out, nil
}
