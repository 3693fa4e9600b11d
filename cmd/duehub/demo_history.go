package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
)

// A year of closed history for the demo (issue 12), so that a newcomer's
// /vendor/analytics shows filled charts: paid invoices pushed as backfill
// with their paid_at (most on time, some late, a few very late), and, for
// the first vendor, questions and disputes answered and resolved by its
// team at past times. Its own random source keeps the open network as it
// was.

// demoHistoryPerCustomer is how many paid invoices each customer of each
// vendor had over the last year.
const demoHistoryPerCustomer = 6

// demoAnalyticsMember is the first vendor's admin, who signs in to see its analytics.
const demoAnalyticsMember = "dana@northwind-traders.example"

func demoHistory(seed uint64, today civil.Date, net demoNetwork) [][]vendors.InvoiceInput {
	r := rand.New(rand.NewPCG(seed, 0x68697374))
	out := make([][]vendors.InvoiceInput, len(demoVendors))
	for i, v := range demoVendors {
		var custs []vendors.CustomerInput
		seen := map[string]bool{}
		for _, inv := range net.invoices[i] {
			if !seen[inv.Customer.ExternalID] {
				seen[inv.Customer.ExternalID] = true
				c := inv.Customer
				c.Omitted = vendors.FieldName | vendors.FieldEmail | vendors.FieldPhone | vendors.FieldSMSConsent | vendors.FieldSMSConsentSource
				custs = append(custs, c)
			}
		}
		n := 0
		for _, c := range custs {
			currency := "USD"
			for _, inv := range net.invoices[i] {
				if inv.Customer.ExternalID == c.ExternalID {
					currency = inv.Currency
					break
				}
			}
			for range demoHistoryPerCustomer {
				issue := today.AddDays(-365 + r.IntN(300))
				due := issue.AddDays(v.termsDays)
				late := -r.IntN(10)
				switch roll := r.IntN(100); {
				case roll < 25:
					late = 1 + r.IntN(30)
				case roll < 32:
					late = 31 + r.IntN(60)
				}
				paid := due.AddDays(late)
				if !paid.Before(today) {
					continue
				}
				amount := int64(5000+r.IntN(200)*500) * 10
				n++
				number := fmt.Sprintf("H-%s", fmt.Sprintf(v.numberFmt, n))
				out[i] = append(out[i], vendors.InvoiceInput{ExternalID: number, Number: number, Customer: c,
					Currency: currency, AmountDue: &amount, IssueDate: issue.String(), DueDate: due.String(),
					Status: vendors.StatusPaid, PaidAt: paid.String()})
			}
		}
	}
	return out
}

// seedDemoThreads gives the first vendor a year of answered questions and
// disputes on its open invoices, once: a second demo run finds them there.
func (a *app) seedDemoThreads(ctx context.Context, seed uint64, now time.Time, vendorID int64) error {
	var n int64
	if err := a.db.Gorm.WithContext(ctx).Table("threads").Where("vendor_id = ?", vendorID).Count(&n).Error; err != nil || n > 0 {
		return err
	}
	var members []vendors.Member
	for _, m := range []vendors.NewMember{{Email: demoAnalyticsMember, Name: "Dana", Role: vendors.RoleAdmin},
		{Email: "lee@northwind-traders.example", Name: "Lee", Role: vendors.RoleAgent}} {
		member, err := a.vendors.InviteMember(ctx, vendorID, m)
		if err != nil {
			return fmt.Errorf("demo: member: %w", err)
		}
		members = append(members, member)
	}
	var open []struct{ ID, PayerID, AmountRemaining int64 }
	err := a.db.Gorm.WithContext(ctx).Raw(`SELECT i.id, c.payer_id, i.amount_remaining FROM invoices i JOIN customers c ON c.id = i.customer_id
WHERE i.vendor_id = ? AND i.status = 'open' AND i.amount_remaining > 0 ORDER BY i.id`, vendorID).Scan(&open).Error
	if err != nil {
		return fmt.Errorf("demo: open invoices: %w", err)
	}
	r := rand.New(rand.NewPCG(seed, 0x74687264))
	clock := now
	tick := func() time.Time { return clock }
	ps := threads.NewStore(a.db.Gorm, payers.NewStore(a.db.Gorm, tick), tick)
	for k, inv := range open {
		if k%3 != 0 || k > 60 {
			continue
		}
		clock = now.AddDate(0, 0, -340+k*5).Add(time.Duration(r.IntN(8)) * time.Hour)
		var th threads.Thread
		if r.IntN(2) == 0 {
			th, err = ps.AskQuestion(ctx, inv.PayerID, inv.ID, "Which purchase order is this invoice for?")
		} else {
			th, err = ps.OpenDispute(ctx, inv.PayerID, inv.ID, threads.DisputeReasons[r.IntN(4)], inv.AmountRemaining/4+1, "Please check this line.")
		}
		if err != nil {
			return fmt.Errorf("demo: thread: %w", err)
		}
		m := members[r.IntN(len(members))]
		actor := payers.WithActor(ctx, m.ID)
		clock = clock.Add(time.Duration(1+r.IntN(40)) * time.Hour)
		if _, err := ps.VendorReply(actor, vendorID, th.ID, "Thanks, we are looking into it."); err != nil {
			return fmt.Errorf("demo: reply: %w", err)
		}
		clock = clock.Add(time.Duration(2+r.IntN(100)) * time.Hour)
		outcome := threads.ThreadOutcomes[r.IntN(len(threads.ThreadOutcomes))]
		if _, err := ps.ResolveThread(actor, vendorID, th.ID, outcome, ""); err != nil {
			return fmt.Errorf("demo: resolve: %w", err)
		}
	}
	return nil
}

// demoHistoryCount is the number of history invoices pushed.
func demoHistoryCount(h [][]vendors.InvoiceInput) int {
	n := 0
	for _, v := range h {
		n += len(v)
	}
	return n
}

// seedDemoHistory pushes the history as a vendor's backfill would, through
// the batch push, and seeds the first vendor's threads.
func (a *app) seedDemoHistory(ctx context.Context, seed uint64, now time.Time, vendorIDs []int64, history [][]vendors.InvoiceInput) error {
	for i, invs := range history {
		for batch := range slices.Chunk(invs, demoBatch) {
			results, err := a.vendors.PushInvoices(ctx, vendorIDs[i], batch)
			if err := tally(map[string]int{}, demoVendors[i].Name, results, err); err != nil {
				return err
			}
		}
	}
	return a.seedDemoThreads(ctx, seed, now, vendorIDs[0])
}
