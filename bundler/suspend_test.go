package bundler_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/notify/outbox"
	"github.com/duehub/duehub/vendors"
)

// TestSuspendedVendorLeavesDigests: the operator suspends a vendor (issue
// 15); its invoices leave the payers' digests, a payer it alone bills gets
// nothing, and approving it again brings its invoices back.
func TestSuspendedVendorLeavesDigests(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		n := newNetwork(t, db, time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)) // Monday
		north := n.vendor("Northwind Supplies", "northwind.example")
		contoso := n.vendor("Contoso Paper", "contoso.example")
		n.push(north, "N-1", "ap@acme.example", "2026-11-20", 120000)
		n.push(contoso, "C-1", "ap@acme.example", "2026-11-23", 5000)
		n.push(north, "N-2", "ap@only-north.example", "2026-11-20", 700)
		if err := n.vendors.SetOperatorStatus(ctx, north, vendors.StatusSuspended, "fraud review"); err != nil {
			t.Fatal(err)
		}

		r := n.runner(nil)
		if rep := run(t, r); rep.Sent() != 1 {
			t.Fatalf("sent %d digests, want 1 (the payer billed only by the suspended vendor gets none): %+v", rep.Sent(), rep)
		}
		acme := digestTo(t, n.messages(), "ap@acme.example")
		if !strings.Contains(acme.Text, "Contoso Paper") || strings.Contains(acme.Text, "Northwind") || strings.Contains(acme.HTML, "N-1") {
			t.Fatalf("digest during suspension:\n%s", acme.Text)
		}

		if err := n.vendors.SetOperatorStatus(ctx, north, vendors.StatusActive, ""); err != nil {
			t.Fatal(err)
		}
		n.setNow("2026-11-30T14:00:00Z")
		if rep := run(t, r); rep.Sent() == 0 {
			t.Fatalf("nothing sent after approval: %+v", rep)
		}
		if m := digestTo(t, n.messages(), "ap@only-north.example"); !strings.Contains(m.Text, "N-2") {
			t.Fatalf("approved vendor's invoice missing:\n%s", m.Text)
		}
	})
}

// digestTo returns the newest message to addr.
func digestTo(t *testing.T, msgs []outbox.Message, addr string) outbox.Message {
	t.Helper()
	for _, m := range msgs {
		if len(m.To) == 1 && m.To[0] == addr {
			return m
		}
	}
	t.Fatalf("no digest to %s", addr)
	return outbox.Message{}
}
