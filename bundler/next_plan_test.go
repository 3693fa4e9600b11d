package bundler_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/payers"
)

// planCase is one payer kept from a digest by its state, and the write
// that should make it due again.
type planCase struct {
	name string
	// due is the due date of the payer's one invoice (default 2026-11-20,
	// which has a reminder point on Monday 2026-11-23).
	due string
	// policyVendor bills this payer from its own vendor.
	policyVendor bool
	// block puts the payer in a state where nothing is due.
	block func(c *planCtx)
	// unblock is the state change under test.
	unblock func(c *planCtx)
	// reserves is false where the change makes the payer due for a slot
	// the ledger already holds: it is decided again, nothing new is written.
	noReserve bool
}

type planCtx struct {
	t       *testing.T
	n       *network
	ctx     context.Context
	vendor  int64
	payer   int64
	invoice int64
	email   string
}

func (c *planCtx) exec(sql string, args ...any) {
	c.t.Helper()
	if err := c.n.db.Gorm.Exec(sql, args...).Error; err != nil {
		c.t.Fatalf("%s: %v", sql, err)
	}
}

func (c *planCtx) check(err error) {
	c.t.Helper()
	if err != nil {
		c.t.Fatal(err)
	}
}

// TestPlanRereadsOnlyChangedPayers: a payer decided not due is not read
// again the next minute; each kind of write that can change its decision
// makes it due in the very next pass, which reads it alone and, where the
// change calls for it, reserves its digest for the current window (Monday
// 09:00, still sendable at 10:00). Each change goes through the store the
// hub uses or, where the hub has no such write yet, plain SQL: the
// database's triggers catch both.
func TestPlanRereadsOnlyChangedPayers(t *testing.T) {
	cases := []planCase{
		{name: "new invoice pushed mid-window", due: "2027-03-01",
			unblock: func(c *planCtx) { c.n.push(c.vendor, "NEW-"+c.email, c.email, "2026-11-20", 500) }},
		{name: "due date moved by a re-push", due: "2027-03-01",
			unblock: func(c *planCtx) { c.n.push(c.vendor, "INV-"+c.email, c.email, "2026-11-20", 1000) }},
		{name: "dispute resolved",
			block: func(c *planCtx) {
				_, err := c.n.payers.PlaceHold(c.ctx, c.payer, payers.Hold{VendorID: c.vendor, InvoiceID: c.invoice, Kind: payers.HoldDispute})
				c.check(err)
			},
			unblock: func(c *planCtx) {
				c.exec(`UPDATE holds SET released_at = ? WHERE invoice_id = ?`, c.n.clock(), c.invoice)
			}},
		{name: "paid invoice reopened by the vendor",
			block:   func(c *planCtx) { c.exec(`UPDATE invoices SET status = 'paid' WHERE id = ?`, c.invoice) },
			unblock: func(c *planCtx) { c.exec(`UPDATE invoices SET status = 'open' WHERE id = ?`, c.invoice) }},
		{name: "email turned back on",
			block:   func(c *planCtx) { c.check(c.n.payers.SetChannel(c.ctx, c.payer, "email", false)) },
			unblock: func(c *planCtx) { c.check(c.n.payers.SetChannel(c.ctx, c.payer, "email", true)) }},
		{name: "schedule moved to Mondays",
			block: func(c *planCtx) {
				// Weekly on Fridays: the current window is three days old.
				c.check(c.n.payers.UpdatePreferences(c.ctx, c.payer, payers.Preferences{Timezone: "UTC", Cadence: "weekly",
					Weekday: 5, SendHour: 9, MinIntervalHours: 72, EmailEnabled: true, SMSEnabled: true}))
			},
			unblock: func(c *planCtx) {
				c.check(c.n.payers.UpdatePreferences(c.ctx, c.payer, payers.Preferences{Timezone: "UTC", Cadence: "weekly",
					Weekday: 1, SendHour: 9, MinIntervalHours: 72, EmailEnabled: true, SMSEnabled: true}))
			}},
		{name: "pause lifted",
			block: func(c *planCtx) {
				c.exec(`UPDATE payers SET paused_until = ? WHERE id = ?`, c.n.clock().AddDate(0, 0, 20), c.payer)
			},
			unblock: func(c *planCtx) { c.exec(`UPDATE payers SET paused_until = NULL WHERE id = ?`, c.payer) }},
		{name: "contact added",
			block: func(c *planCtx) { c.check(c.n.payers.Suppress(c.ctx, "email", c.email, "bounce", "")) },
			unblock: func(c *planCtx) {
				_, err := c.n.payers.AddContact(c.ctx, c.payer, "email", "second-"+c.email, "to")
				c.check(err)
			}},
		{name: "suppression lifted",
			block:   func(c *planCtx) { c.check(c.n.payers.Suppress(c.ctx, "email", c.email, "bounce", "")) },
			unblock: func(c *planCtx) { c.check(c.n.payers.Unsuppress(c.ctx, "email", c.email)) }},
		{name: "vendor unmuted",
			block:   func(c *planCtx) { c.check(c.n.payers.Mute(c.ctx, c.payer, c.vendor)) },
			unblock: func(c *planCtx) { c.exec(`DELETE FROM payer_mutes WHERE payer_id = ?`, c.payer) }},
		{name: "vendor policy changed", due: "2026-12-10", policyVendor: true,
			// -7, 0, 3, 7 days from 10 December: nothing before 3 December.
			unblock: func(c *planCtx) { c.check(c.n.vendors.SetReminderPolicy(c.ctx, c.vendor, []int{-30, 0}, 7)) }},
		{name: "previous digest marked empty", noReserve: true,
			block: func(c *planCtx) {
				c.exec(`INSERT INTO digests (payer_id, channel, slot, status, created_at, updated_at) VALUES (?, 'email', ?, 'sent', ?, ?)`,
					c.payer, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), c.n.clock(), c.n.clock())
			},
			unblock: func(c *planCtx) { c.exec(`UPDATE digests SET status = 'empty' WHERE payer_id = ?`, c.payer) }},
	}
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		n := newNetwork(t, db, time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)) // Monday, after the 09:00 window
		shared := n.vendor("Northwind", "")
		r := n.runner(map[notify.Channel]notify.Sender{notify.Email: n.outbox})
		pcs := make([]*planCtx, len(cases))
		for i, c := range cases {
			pc := &planCtx{t: t, n: n, ctx: ctx, vendor: shared, email: fmt.Sprintf("ap%d@case.example", i)}
			if c.policyVendor {
				pc.vendor = n.vendor(fmt.Sprintf("Policy %d", i), "")
			}
			due := c.due
			if due == "" {
				due = "2026-11-20"
			}
			n.push(pc.vendor, "INV-"+pc.email, pc.email, due, 1000)
			p, err := n.payers.FindByEmail(ctx, pc.email)
			pc.check(err)
			pc.payer, pc.invoice = p.ID, n.invoiceID(pc.vendor, "INV-"+pc.email)
			if c.block != nil {
				c.block(pc)
			}
			pcs[i] = pc
		}
		rep, err := r.Plan(ctx)
		if err != nil || rep.Reserved != 0 {
			t.Fatalf("first pass reserved %d digests, want none (skipped %v): %v", rep.Reserved, rep.Skipped, err)
		}
		n.setNow("2026-11-23T10:01:00Z")
		if rep, err := r.Plan(ctx); err != nil || rep.Read != 0 {
			t.Fatalf("a minute later a pass read %d payers (%d considered), want none: %v", rep.Read, rep.Considered, err)
		}
		for i, c := range cases {
			n.setNow(fmt.Sprintf("2026-11-23T10:%02d:00Z", 2*i+2))
			c.unblock(pcs[i])
			rep, err := r.Plan(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := 1
			if c.noReserve {
				want = 0
			}
			if rep.Considered != 1 || rep.Reserved != want {
				t.Errorf("%s: the next pass considered %d payers and reserved %d digests (skipped %v), want 1 and %d",
					c.name, rep.Considered, rep.Reserved, rep.Skipped, want)
				continue
			}
			var slots []time.Time
			err = db.Gorm.Model(&bundler.Entry{}).Where("payer_id = ? AND status = ?", pcs[i].payer, bundler.StatusPending).
				Pluck("slot", &slots).Error
			if err != nil {
				t.Fatal(err)
			}
			if monday := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC); want == 1 && (len(slots) != 1 || !slots[0].Equal(monday)) {
				t.Errorf("%s: pending slots %v, want Monday's 09:00 window", c.name, slots)
			}
		}
	})
}
