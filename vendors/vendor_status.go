package vendors

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/duehub/duehub/audit"
)

// StatusSuspended is the operator's hold on a vendor (issue 15), in
// vendors.status beside the statuses of status.go: a suspended vendor's
// invoices leave digests (InDigestsSQL) and its API keys answer 403.
// Approving and suspending go through SetOperatorStatus, which also writes
// the audit row.
const StatusSuspended = "suspended"

// ErrSuspended means the key's vendor is suspended: its API answers 403.
var ErrSuspended = errors.New("vendor account suspended")

// OperatorStatus is the operator's hold on one vendor.
type OperatorStatus struct {
	Status string
	Reason string
	At     *time.Time
}

// OperatorStatusOf returns the vendor's status.
func (s *Store) OperatorStatusOf(ctx context.Context, vendorID int64) (OperatorStatus, error) {
	var row struct {
		Status       string
		StatusReason string
		StatusAt     *time.Time
	}
	err := s.db.WithContext(ctx).Table("vendors").Select("status, status_reason, status_at").
		Where("id = ?", vendorID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return OperatorStatus{}, ErrNotFound
	}
	if err != nil {
		return OperatorStatus{}, fmt.Errorf("vendors: operator status: %w", err)
	}
	return OperatorStatus{row.Status, row.StatusReason, row.StatusAt}, nil
}

// SetOperatorStatus approves (StatusActive) or suspends (StatusSuspended,
// with a reason the vendor is told) a vendor, records it in the audit log
// with the actor of ctx, and has the planner decide again for every payer
// of the vendor, so that its invoices leave (or rejoin) the next digests.
// Setting the status it already has changes nothing and records nothing.
func (s *Store) SetOperatorStatus(ctx context.Context, vendorID int64, status, reason string) error {
	reason = strings.TrimSpace(reason)
	switch {
	case status != StatusActive && status != StatusSuspended:
		return Invalid("status", "must be active or suspended")
	case status == StatusSuspended && reason == "":
		return Invalid("reason", "is required: say why the vendor is suspended")
	case utf8.RuneCountInString(reason) > 500:
		return Invalid("reason", "must be at most 500 characters")
	}
	now := s.clock()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var v Vendor
		if err := tx.Where("id = ?", vendorID).Take(&v).Error; err != nil {
			return err
		}
		if v.Sandbox() {
			return Invalid("vendor", "is a test-mode sandbox: its invoices never reach payers")
		}
		res := tx.Table("vendors").Where("id = ? AND status <> ?", vendorID, status).
			Updates(map[string]any{"status": status, "status_reason": reason, "status_at": now, "updated_at": now})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		if err := tx.Exec(`INSERT INTO plan_invalidations (payer_id)
			SELECT DISTINCT payer_id FROM customers WHERE vendor_id = ? ON CONFLICT DO NOTHING`, vendorID).Error; err != nil {
			return err
		}
		action := audit.VendorApproved
		if status == StatusSuspended {
			action = audit.VendorSuspended
		}
		return audit.Record(ctx, tx, audit.Entry{CreatedAt: now, Action: action, TargetType: "vendor",
			TargetID: strconv.FormatInt(vendorID, 10), Target: v.Name, VendorID: audit.Vendor(vendorID), Detail: reason})
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("vendors: set operator status: %w", err)
	}
	return nil
}
