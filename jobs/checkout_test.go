package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/duehub/duehub/checkout"
	"github.com/duehub/duehub/checkout/checkouttest"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/jobs"
	"github.com/duehub/duehub/notify/outbox"
	"github.com/duehub/duehub/vendors"
)

// TestStripeEventJobs: a Stripe event stored while no job runner was up is
// applied by the periodic pass; one stored while it runs is applied by its
// own job at once. Each reduces its invoice once and transfers once.
func TestStripeEventJobs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		ps, vs := seed(t, db, "ap@one.example", "ap@two.example")
		mock := checkouttest.Start(t)
		const secret = "whsec_jobs"
		store, err := checkout.New(checkout.Config{DB: db.Gorm, SecretKey: "sk_test_123", WebhookSecret: secret, APIBase: mock.URL, Now: clock})
		if err != nil {
			t.Fatal(err)
		}
		var vendorID int64
		db.Gorm.Raw("SELECT id FROM vendors").Scan(&vendorID)
		if _, err := store.OnboardingLink(ctx, vendorID, "https://hub.example/r", "https://hub.example/r"); err != nil {
			t.Fatal(err)
		}
		db.Gorm.Exec("UPDATE stripe_accounts SET charges_enabled = ?, currencies = 'usd'", true)
		deliver := func(email, ext, evt string) {
			t.Helper()
			p, err := ps.FindByEmail(ctx, email)
			if err != nil {
				t.Fatal(err)
			}
			inv, _ := vs.GetInvoice(ctx, vendorID, ext)
			started, err := store.Start(ctx, p.ID, []checkout.Item{{InvoiceID: inv.ID, Amount: inv.AmountRemaining}}, "https://hub.example/d", "https://hub.example/c")
			if err != nil {
				t.Fatal(err)
			}
			payload := checkouttest.SessionCompleted(evt, *started.Checkout.SessionID, "pi_"+evt)
			if _, err := store.Receive(ctx, payload, checkouttest.Sign(payload, secret)); err != nil {
				t.Fatal(err)
			}
		}
		paid := func(ext string) bool {
			inv, _ := vs.GetInvoice(ctx, vendorID, ext)
			return inv.AmountRemaining == 0 && inv.Status == vendors.StatusPaid
		}
		deliver("ap@one.example", "INV-0", "evt_before")
		startWith(t, db, jobs.Config{Runner: runner(db, ps, vs, outbox.New(db.Gorm, clock)), Log: quiet(), PlanEvery: time.Hour, Checkout: store})
		waitFor(t, func() bool { return paid("INV-0") }, "the pass to apply the event stored before start")
		deliver("ap@two.example", "INV-1", "evt_after")
		waitFor(t, func() bool { return paid("INV-1") }, "the job of the event stored while running")
		waitFor(t, func() bool { return len(mock.Requests("POST", "/v1/transfers")) == 2 }, "two transfers")
		var pending int64
		db.Gorm.Raw("SELECT COUNT(*) FROM stripe_events WHERE processed_at IS NULL").Scan(&pending)
		if pending != 0 {
			t.Fatalf("%d events left unprocessed", pending)
		}
	})
}

func waitFor(t *testing.T, ok func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
