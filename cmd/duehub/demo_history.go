package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/duehub/duehub/analytics"
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
// the batch push, records the past digests that carried it, and seeds the
// first vendor's threads.
func (a *app) seedDemoHistory(ctx context.Context, seed uint64, now time.Time, vendorIDs []int64, history [][]vendors.InvoiceInput) error {
	for i, invs := range history {
		for batch := range slices.Chunk(invs, demoBatch) {
			results, err := a.vendors.PushInvoices(ctx, vendorIDs[i], batch)
			if err := tally(map[string]int{}, demoVendors[i].Name, results, err); err != nil {
				return err
			}
		}
	}
	if err := a.seedDemoDigests(ctx, seed, now); err != nil {
		return err
	}
	return a.seedDemoThreads(ctx, seed, now, vendorIDs[0])
}

// demoDigestsUntil is how long before the demo's time the history's
// digests stop: the payers' last digest a month back leaves every open
// invoice's reminder points since then to the demo's own first run.
const demoDigestsUntil = 30 * 24 * time.Hour

// seedDemoDigests records the past year's weekly digests of every payer,
// as the bundler's ledger would have (Tuesdays 09:00 UTC), carrying the
// history invoices open then and due within 14 days or overdue, and the
// payers' clicks on Pay for most invoices paid within the week after a
// digest: so the reminder effect and the pay-link clicks per digest on
// /vendor/analytics show values. Sent rows fill digest_invoices through
// the database's trigger, as real sends do. A second run inserts nothing
// (the ledger's unique slot), and so adds no clicks.
func (a *app) seedDemoDigests(ctx context.Context, seed uint64, now time.Time) error {
	var rows []struct {
		ID, PayerID        int64
		IssueDate, DueDate string
		PaidAt             time.Time
	}
	err := a.db.Gorm.WithContext(ctx).Raw(`SELECT i.id, c.payer_id, i.issue_date, i.due_date, i.paid_at FROM invoices i
JOIN customers c ON c.id = i.customer_id
WHERE i.external_id LIKE 'H-%' AND i.status = 'paid' AND i.paid_at IS NOT NULL ORDER BY c.payer_id, i.id`).Scan(&rows).Error
	if err != nil {
		return fmt.Errorf("demo: history invoices: %w", err)
	}
	type hist struct {
		id         int64
		issue, due civil.Date
		paid       time.Time
	}
	byPayer := map[int64][]hist{}
	var payerIDs []int64
	for _, r := range rows {
		issue, err1 := civil.Parse(r.IssueDate[:10])
		due, err2 := civil.Parse(r.DueDate[:10])
		if err1 != nil || err2 != nil {
			continue
		}
		if _, ok := byPayer[r.PayerID]; !ok {
			payerIDs = append(payerIDs, r.PayerID)
		}
		byPayer[r.PayerID] = append(byPayer[r.PayerID], hist{r.ID, issue, due, r.PaidAt.UTC()})
	}
	// The Tuesdays of the year before the demo's time, up to a month back.
	first := civil.Of(now).AddDays(-365)
	for first.In(time.UTC).Weekday() != time.Tuesday {
		first = first.AddDays(1)
	}
	r := rand.New(rand.NewPCG(seed, 0x64696773))
	db := a.db.Gorm.WithContext(ctx)
	for _, payer := range payerIDs {
		for day := first; ; day = day.AddDays(7) {
			sent := day.In(time.UTC).Add(9 * time.Hour)
			if sent.After(now.Add(-demoDigestsUntil)) {
				break
			}
			var carried []hist
			for _, h := range byPayer[payer] {
				if !h.issue.After(day) && h.paid.After(sent) && !h.due.After(day.AddDays(14)) {
					carried = append(carried, h)
				}
			}
			if len(carried) == 0 {
				continue
			}
			ids := make([]string, len(carried))
			for i, h := range carried {
				ids[i] = fmt.Sprint(h.id)
			}
			res := db.Exec(`INSERT INTO digests (payer_id, channel, slot, status, kind, subject, invoice_ids, attempts, created_at, updated_at, sent_at)
VALUES (?, 'email', ?, 'sent', 'regular', 'Your invoices due', ?, 1, ?, ?, ?) ON CONFLICT DO NOTHING`,
				payer, sent, strings.Join(ids, ","), sent, sent, sent)
			if res.Error != nil {
				return fmt.Errorf("demo: history digest: %w", res.Error)
			}
			if res.RowsAffected == 0 {
				continue
			}
			for _, h := range carried {
				if h.paid.Sub(sent) > analytics.ReminderWindow || r.IntN(3) == 0 {
					continue
				}
				at := sent.Add(time.Duration(1+r.IntN(6)) * time.Hour)
				if err := db.Exec(`INSERT INTO pay_clicks (payer_id, invoice_id, created_at) VALUES (?, ?, ?)`, payer, h.id, at).Error; err != nil {
					return fmt.Errorf("demo: pay click: %w", err)
				}
			}
		}
	}
	return nil
}
