package bundler_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/vendors"
)

// TestTestModeAndPendingVendorsStayOutOfDigests (issue 15): ap@acme buys from
// a live vendor, from the test mode of that vendor and from a vendor that
// signed up and awaits approval. Its digest carries only the live invoice;
// no message ever goes anywhere for the test invoices; once the operator
// approves the pending vendor, the next digest carries it.
func TestTestModeAndPendingVendorsStayOutOfDigests(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		n := newNetwork(t, db, time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)) // Monday
		north := n.vendor("Northwind Supplies", "northwind.example")
		sandbox, err := n.vendors.SandboxOf(ctx, north)
		if err != nil {
			t.Fatal(err)
		}
		pending, _, err := n.vendors.SignUp(ctx, vendors.NewSignup{Email: "owner@newco.example",
			NewVendor: vendors.NewVendor{Name: "Newco Tools", Domain: "newco.example"}}, vendors.StatusPending, "jti-1", n.now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		n.push(north, "LIVE-1", "ap@acme.example", "2026-11-20", 120000)
		n.push(sandbox.ID, "TEST-1", "ap@acme.example", "2026-11-20", 777700)
		n.push(sandbox.ID, "TEST-2", "ap@only-test.example", "2026-11-20", 100)
		n.push(pending.ID, "NEW-1", "ap@acme.example", "2026-11-20", 5500)

		rep := run(t, n.runner(nil))
		msgs := n.messages()
		if rep.Sent() != 1 || len(msgs) != 1 || msgs[0].To[0] != "ap@acme.example" {
			t.Fatalf("sent %d messages %+v, want one digest to ap@acme.example", rep.Sent(), msgs)
		}
		d := msgs[0]
		if !strings.Contains(d.Text, "LIVE-1") {
			t.Error("the live invoice is not in the digest")
		}
		for _, not := range []string{"TEST-1", "7,777.00", "test mode", "NEW-1", "Newco"} {
			if strings.Contains(d.Text, not) || strings.Contains(d.HTML, not) {
				t.Errorf("the digest carries %q", not)
			}
		}
		// The test customer's payer holds no contact: nothing can reach it.
		var contacts int64
		db.Gorm.Raw(`SELECT COUNT(*) FROM payer_contacts pc JOIN customers c ON c.payer_id = pc.payer_id WHERE c.vendor_id = ?`, sandbox.ID).Scan(&contacts)
		if contacts != 0 {
			t.Errorf("sandbox payers hold %d contacts, want none", contacts)
		}

		if _, err := n.vendors.ApproveVendor(ctx, pending.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := n.vendors.ApproveVendor(ctx, sandbox.ID); err == nil {
			t.Error("a sandbox was approved")
		}
		n.setNow("2026-11-27T14:00:00Z") // the next twice-weekly slot
		run(t, n.runner(nil))
		msgs = n.messages()
		if len(msgs) != 2 || !strings.Contains(msgs[0].Text, "NEW-1") || strings.Contains(msgs[0].Text, "TEST-1") {
			t.Fatalf("after approval: %d messages, newest %q", len(msgs), msgs[0].Text)
		}
	})
}
