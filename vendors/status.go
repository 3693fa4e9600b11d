package vendors

import (
	"context"
	"fmt"
)

// Vendor statuses (issue 15). Only an active vendor's invoices reach
// payers; a vendor that signed up under the approval policy is pending
// until the operator approves it, and a test-mode sandbox never is active.
// The operator's console suspends a vendor (StatusSuspended): any status
// but active keeps the vendor's invoices out of every digest.
const (
	StatusActive  = "active"
	StatusPending = "pending"
	StatusSandbox = "sandbox"
)

// InDigestsSQL is the one rule of which vendors' invoices digests carry, as
// a condition on a vendors row aliased v: the bundler's planner and the
// digest's invoice list both use it, so a vendor is in or out of both.
const InDigestsSQL = "v.status = 'active'"

// CarriedInDigests is InDigestsSQL for a loaded vendor.
func (v Vendor) CarriedInDigests() bool { return v.Status == StatusActive }

// Sandbox reports whether the vendor is the test-mode sandbox of another.
func (v Vendor) Sandbox() bool { return v.LiveVendorID != nil }

// ApproveVendor makes a pending vendor active, so digests carry its
// invoices from the next pass on, through SetOperatorStatus (audited, and
// its payers are planned again). Approving an active vendor changes
// nothing; a sandbox cannot be approved.
func (s *Store) ApproveVendor(ctx context.Context, vendorID int64) (Vendor, error) {
	v, err := s.GetVendor(ctx, vendorID)
	if err != nil {
		return Vendor{}, err
	}
	if v.Sandbox() {
		return Vendor{}, Invalid("vendor", "is a test-mode sandbox: its invoices never reach payers")
	}
	if v.Status == StatusActive {
		return v, nil
	}
	if err := s.SetOperatorStatus(ctx, vendorID, StatusActive, ""); err != nil {
		return Vendor{}, fmt.Errorf("vendors: approve: %w", err)
	}
	v.Status = StatusActive
	return v, nil
}
