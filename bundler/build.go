package bundler

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"time"

	"github.com/duehub/duehub/links"
	"github.com/duehub/duehub/money"
	"github.com/duehub/duehub/payers"
)

// build makes the digest of ledger row e from live state at send time:
// remindable invoices overdue or due within Window days, grouped by vendor,
// plus held ones labelled with their reason. Muted vendors are left out.
func (r *Runner) build(ctx context.Context, e Entry, p payers.Payer, now time.Time) (Digest, error) {
	sched := r.scheduleOf(p)
	today := sched.LocalDate(now)
	horizon := today.AddDays(Window)
	open, err := r.cfg.Payers.OpenInvoices(ctx, p.ID, now)
	if err != nil {
		return Digest{}, err
	}
	d := Digest{ID: e.ID, PayerID: p.ID, PayerName: p.Name, Slot: e.Slot, Today: today, Due: money.Totals{}}
	link := func(action string, invoiceID int64) (string, error) {
		return r.cfg.Links.URL(links.Link{PayerID: p.ID, Generation: p.TokenGeneration, DigestID: e.ID, Action: action, InvoiceID: invoiceID, Channel: e.Channel})
	}
	sections := map[int64]*VendorSection{}
	var order []int64
	listed := 0
	omittedVendors := map[int64]bool{}
	for _, o := range open {
		if o.Muted || o.DueDate.After(horizon) {
			continue
		}
		if d.PayerName == "" {
			d.PayerName = o.CustomerName
		}
		if o.HoldKind == "" && listed >= MaxLines {
			d.Omitted++
			d.Due.Add(o.Currency, o.AmountRemaining)
			if _, shown := sections[o.VendorID]; !shown && !omittedVendors[o.VendorID] {
				omittedVendors[o.VendorID] = true
			}
			continue
		}
		sec, ok := sections[o.VendorID]
		if !ok {
			sec = &VendorSection{VendorID: o.VendorID, Name: o.VendorName, Domain: o.VendorDomain, Due: money.Totals{}}
			sections[o.VendorID] = sec
			order = append(order, o.VendorID)
		}
		line := Line{InvoiceID: o.InvoiceID, Number: o.Number, Currency: o.Currency, AmountRemaining: o.AmountRemaining,
			DueDate: o.DueDate, DaysOverdue: o.DueDate.DaysUntil(today), Memo: o.Memo}
		if o.HoldKind != "" {
			line.HoldReason = holdReason(o)
			sec.Held = append(sec.Held, line)
			continue
		}
		for _, l := range []struct {
			action string
			to     *string
		}{{links.ActionPay, &line.Links.Pay}, {links.ActionApplyCredit, &line.Links.ApplyCredit},
			{links.ActionAsk, &line.Links.Ask}, {links.ActionDispute, &line.Links.Dispute}} {
			if l.action == links.ActionPay && o.PayURL == "" {
				continue
			}
			if *l.to, err = link(l.action, o.InvoiceID); err != nil {
				return Digest{}, err
			}
		}
		sec.Invoices = append(sec.Invoices, line)
		listed++
		sec.Due.Add(o.Currency, o.AmountRemaining)
		d.Due.Add(o.Currency, o.AmountRemaining)
	}
	// The vendor owed longest comes first; open rows arrive by due date, so
	// the first-seen order is that order.
	for _, id := range order {
		d.Vendors = append(d.Vendors, *sections[id])
	}
	for id := range omittedVendors {
		if _, shown := sections[id]; !shown {
			d.OmittedVendors++
		}
	}
	slices.SortStableFunc(d.Vendors, func(a, b VendorSection) int { return boolOrder(len(a.Invoices) == 0, len(b.Invoices) == 0) })
	if d.InboxURL, err = link(links.ActionInbox, 0); err != nil {
		return Digest{}, err
	}
	if d.PreferencesURL, err = link(links.ActionPreferences, 0); err != nil {
		return Digest{}, err
	}
	if d.UnsubscribeURL, err = link(links.ActionUnsubscribe, 0); err != nil {
		return Digest{}, err
	}
	return d, nil
}

// boolOrder puts false before true.
func boolOrder(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func holdReason(o payers.OpenInvoice) string {
	switch o.HoldKind {
	case payers.HoldDispute:
		return "Disputed — reminders paused until the vendor resolves it"
	case payers.HoldPromise:
		if !o.PromisedFor.IsZero() {
			return "Payment promised for " + o.PromisedFor.String()
		}
		return "Payment promised"
	case payers.HoldPaymentReported:
		return "Payment reported — awaiting the vendor's confirmation"
	}
	return "On hold"
}

const shortAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// shortLink stores an opaque token for the SMS link: a JWT is too long for
// an SMS and must never sit in one.
func (r *Runner) shortLink(ctx context.Context, e Entry, now time.Time) (string, error) {
	b := make([]byte, 20)
	rand.Read(b)
	for i := range b {
		b[i] = shortAlphabet[int(b[i])%len(shortAlphabet)]
	}
	// The link carries the payer's token generation as of now: signing out
	// everywhere afterwards revokes it.
	token := string(b)
	res := r.cfg.DB.WithContext(ctx).Exec(`INSERT INTO short_links (token, payer_id, digest_id, generation, expires_at, created_at)
SELECT ?, id, ?, token_generation, ?, ? FROM payers WHERE id = ?`, token, e.ID, now.Add(links.TTL), now, e.PayerID)
	if res.Error != nil {
		return "", fmt.Errorf("bundler: short link: %w", res.Error)
	}
	if res.RowsAffected != 1 {
		return "", fmt.Errorf("bundler: short link: payer %d not found", e.PayerID)
	}
	return r.cfg.BaseURL + "/s/" + token, nil
}
