package handlers

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/analytics"
	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/vendors"
)

// TestQueueFlagsThreadsPastTheVendorsTarget: the queue flags a thread
// awaiting a reply past the vendor's own response-time target, counted in
// business days as the analytics count them, and flags exactly the threads
// the analytics count as past target. On Monday 10:00, with the default of
// one business day, Friday noon's question is not late (its day runs to
// Monday noon) though it waited 70 hours, Thursday's is; once the admin
// sets 2 hours, both and this morning's 07:00 question are. Contoso's
// 1-hour target changes nothing of Northwind's.
func TestQueueFlagsThreadsPastTheVendorsTarget(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		ctx := context.Background()
		monday := h.now // 2026-11-23 10:00 UTC, a Monday
		north, contoso := h.vendor("Northwind Supplies"), h.vendor("Contoso Paper")
		ask := func(vendorID int64, ext string, at time.Time) int64 {
			t.Helper()
			h.now = at
			inv := h.invoice(vendorID, ext, "ap@acme.example", 1000, "2026-12-20")
			th, err := h.threads.AskQuestion(ctx, h.payerID("ap@acme.example"), inv, "Which PO?")
			if err != nil {
				t.Fatal(err)
			}
			return th.ID
		}
		thursday := ask(north, "N-thu", monday.Add(-(3*24+1)*time.Hour)) // Thu 09:00
		friday := ask(north, "N-fri", monday.Add(-70*time.Hour))         // Fri 12:00
		early := ask(north, "N-mon", monday.Add(-3*time.Hour))           // Mon 07:00
		ask(contoso, "C-1", monday.Add(-2*time.Hour))
		h.now = monday
		h.member(north, "admin@northwind.example", vendors.RoleAdmin)
		h.member(contoso, "admin@contoso.example", vendors.RoleAdmin)
		alice, carol := h.vendorSignIn("admin@northwind.example"), h.vendorSignIn("admin@contoso.example")
		figures := analytics.NewStore(db.Gorm, func() time.Time { return h.now })
		period := analytics.Period{From: civil.Of(monday).AddDays(-30), To: civil.Of(monday)}
		flagged := func(want ...int64) {
			t.Helper()
			body := alice.get("/vendor").body
			rows := map[int64]bool{}
			for _, row := range strings.Split(body, "<tr>")[1:] {
				for _, id := range []int64{thursday, friday, early} {
					if strings.Contains(row, `href="/vendor/threads/`+itoa(id)+`"`) && strings.Contains(row, "Over the reply target") {
						rows[id] = true
					}
				}
			}
			if len(rows) != len(want) || strings.Count(body, "Over the reply target") != len(want) {
				t.Errorf("flagged %v (%d flags), want %v", rows, strings.Count(body, "Over the reply target"), want)
			}
			for _, id := range want {
				if !rows[id] {
					t.Errorf("thread %d is not flagged", id)
				}
			}
			r, err := figures.Compute(ctx, north, period)
			if err != nil {
				t.Fatal(err)
			}
			if r.ResponseTime.PastTarget != len(want) {
				t.Errorf("analytics count %d threads past target, the queue flags %d", r.ResponseTime.PastTarget, len(want))
			}
		}
		flagged(thursday)
		if !strings.Contains(alice.get("/vendor").body, "Over the reply target (1 business day)") {
			t.Error("the flag does not name the default target")
		}

		if r := carol.post("/vendor/analytics/target", url.Values{"hours": {"1"}}, "/vendor/analytics"); r.status != 303 {
			t.Fatalf("Contoso's target: %d", r.status)
		}
		flagged(thursday)
		if n := strings.Count(carol.get("/vendor").body, "Over the reply target (1 hour)"); n != 1 {
			t.Errorf("Contoso's question, 2 hours old, flagged %d times under a 1-hour target", n)
		}
		if r := alice.post("/vendor/analytics/target", url.Values{"hours": {"2"}}, "/vendor/analytics"); r.status != 303 {
			t.Fatalf("Northwind's target: %d", r.status)
		}
		flagged(thursday, friday, early)
		if !strings.Contains(alice.get("/vendor").body, "Over the reply target (2 hours)") {
			t.Error("the flag does not name the vendor's target")
		}
		// An answered thread waits no more.
		if _, err := h.threads.VendorReply(ctx, north, early, "PO 7"); err != nil {
			t.Fatal(err)
		}
		body := alice.get("/vendor").body
		if strings.Count(body, "Over the reply target") != 2 {
			t.Errorf("after the answer, %d flags", strings.Count(body, "Over the reply target"))
		}
	})
}
