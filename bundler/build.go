package bundler

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"time"

	"github.com/duehub/duehub/links"
	"github.com/duehub/duehub/locale"
	"github.com/duehub/duehub/money"
	"github.com/duehub/duehub/payers"
)

// build makes the digest of ledger row e from live state at send time, the
// payer's open invoices as read now: remindable invoices overdue or due
// before the horizon, grouped by vendor, plus held ones labelled with their
// reason. Muted vendors are left out. The horizon is Window days, and
// always reaches the payer's next regular window, so that nothing falls due
// unannounced between two digests. A payer with more than MaxLines
// remindable invoices gets them listed in rotation (rotation); the rest
// are totalled. hist is what earlier digests listed (nil: nothing), nw the
// payer's answers waiting and lifted holds (nil: none). It reads nothing: a
// batch builds its digests in parallel.
func (r *Runner) build(e Entry, p payers.Payer, open []payers.OpenInvoice, hist *listed, nw *news, now time.Time) (Digest, error) {
	sched := r.scheduleOf(p)
	today := sched.LocalDate(now)
	horizon := today.AddDays(Window)
	next := horizon
	if w, ok := sched.NextWindow(e.Slot); ok {
		next = sched.LocalDate(w)
		if next.After(horizon) {
			horizon = next
		}
	}
	var err error
	d := Digest{ID: e.ID, PayerID: p.ID, PayerName: p.Name, Slot: e.Slot, Today: today, Locale: p.Locale, Due: money.Totals{}, OmittedDue: money.Totals{}}
	link := func(action string, invoiceID int64) (string, error) {
		return r.cfg.Links.URL(links.Link{PayerID: p.ID, Generation: p.TokenGeneration, DigestID: e.ID, Action: action, InvoiceID: invoiceID, Channel: e.Channel})
	}
	var prev time.Time
	last := map[int64]time.Time{}
	if hist != nil {
		prev, last = hist.before(e.Slot)
	}
	var cands []payers.OpenInvoice
	for _, o := range open {
		if !o.Muted && o.HoldKind == "" && !o.DueDate.After(horizon) {
			cands = append(cands, o)
		}
	}
	var pick map[int64]bool // nil: list all
	if len(cands) > MaxLines {
		pick = rotation(cands, last, sched, today, next)
	}
	if e.Kind == KindUrgent {
		// A "due now" message lists what fell due, or is overdue, and no
		// digest has listed yet: nothing held, nothing else.
		d.Urgent = true
		pick = map[int64]bool{}
		for _, o := range cands {
			if _, ever := last[o.InvoiceID]; !ever && !o.DueDate.After(today) && len(pick) < MaxLines {
				pick[o.InvoiceID] = true
			}
		}
	}
	if !prev.IsZero() && !d.Urgent {
		since := sched.LocalDate(prev)
		d.Changes.Since = since
		for _, o := range cands {
			if _, ever := last[o.InvoiceID]; !ever {
				d.Changes.New++
			}
			if !o.DueDate.Before(since) && o.DueDate.Before(today) {
				d.Changes.NewlyOverdue++
			}
		}
		if nw != nil {
			for _, at := range nw.answers {
				if within(at, prev, e.Slot) {
					d.Changes.Answers++
				}
			}
			for _, o := range open {
				if at, ok := nw.lifted[o.InvoiceID]; ok && o.HoldKind == "" && !o.Muted && within(at, prev, e.Slot) {
					d.Changes.HoldsLifted++
				}
			}
		}
	}
	sections := map[int64]*VendorSection{}
	var order []int64
	omittedVendors := map[int64]bool{}
	for _, o := range open {
		if o.Muted || o.DueDate.After(horizon) {
			continue
		}
		if d.PayerName == "" {
			d.PayerName = o.CustomerName
		}
		if d.Urgent && !pick[o.InvoiceID] {
			continue // a short message: the rest waits for the next digest
		}
		if o.HoldKind == "" && pick != nil && !pick[o.InvoiceID] {
			d.Omitted++
			d.Due.Add(o.Currency, o.AmountRemaining)
			d.OmittedDue.Add(o.Currency, o.AmountRemaining)
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
			line.HoldReason = holdReason(o, p.Locale)
			sec.Held = append(sec.Held, line)
			continue
		}
		for _, l := range []struct {
			action string
			to     *string
		}{{links.ActionPay, &line.Links.Pay}, {links.ActionApplyCredit, &line.Links.ApplyCredit},
			{links.ActionAsk, &line.Links.Ask}, {links.ActionDispute, &line.Links.Dispute}, {links.ActionPromise, &line.Links.Promise}} {
			if l.action == links.ActionPay && o.PayURL == "" || l.action == links.ActionPromise && line.DaysOverdue <= 0 {
				continue
			}
			if *l.to, err = link(l.action, o.InvoiceID); err != nil {
				return Digest{}, err
			}
		}
		sec.Invoices = append(sec.Invoices, line)
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

func holdReason(o payers.OpenInvoice, code string) string {
	switch o.HoldKind {
	case payers.HoldDispute:
		return "Disputed — reminders paused until the vendor resolves it"
	case payers.HoldPromise:
		if !o.PromisedFor.IsZero() {
			return "Payment promised for " + locale.Day(code, o.PromisedFor) // as the portal writes it (issue 13)
		}
		return "Payment promised"
	case payers.HoldPaymentReported:
		return "Payment reported — awaiting the vendor's confirmation"
	}
	return "On hold"
}

const shortAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// shortLinks stores an opaque token for the SMS link of each job, in one
// multi-row insert: a JWT is too long for an SMS and must never sit in one.
// Each link carries its payer's token generation as read by this pass:
// signing out everywhere afterwards revokes it.
func (r *Runner) shortLinks(ctx context.Context, jobs []*job, now time.Time) error {
	if len(jobs) == 0 {
		return nil
	}
	type shortLink struct {
		Token      string
		PayerID    int64
		DigestID   int64
		Generation int64
		ExpiresAt  time.Time
		CreatedAt  time.Time
	}
	rows := make([]shortLink, len(jobs))
	for i, j := range jobs {
		b := make([]byte, 20)
		rand.Read(b)
		for k := range b {
			b[k] = shortAlphabet[int(b[k])%len(shortAlphabet)]
		}
		rows[i] = shortLink{Token: string(b), PayerID: j.p.ID, DigestID: j.e.ID, Generation: j.p.TokenGeneration,
			ExpiresAt: now.Add(links.TTL), CreatedAt: now}
	}
	if err := r.cfg.DB.WithContext(ctx).Table("short_links").CreateInBatches(&rows, 1000).Error; err != nil {
		return fmt.Errorf("bundler: short links: %w", err)
	}
	for i, j := range jobs {
		j.d.ShortURL = r.cfg.BaseURL + "/s/" + rows[i].Token
	}
	return nil
}
