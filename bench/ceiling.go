package bench

import (
	"cmp"
	"crypto/rand"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/links"
	"github.com/duehub/duehub/money"
	"github.com/duehub/duehub/notify"
)

// The rendering ceiling is what the digest pass would reach if the database
// cost nothing: the same digests, built in memory from the generator
// instead of read from the hub, then signed (links.Signer.URL for every
// link, as the bundler signs them) and rendered (bundler.RenderEmail,
// bundler.RenderSMS) on all cores. Building the digests' lines is not
// timed: that is the database's part of the pass. Signing and rendering
// are.

// invRef names invoice j of vendor v.
type invRef struct{ v, j int32 }

// invoicesByPayer lists every payer's invoices (8 bytes each, so a million
// invoices fit in 8 MB; the invoices themselves are generated again when
// a digest is built).
func (n *network) invoicesByPayer() [][]invRef {
	out := make([][]invRef, n.payers)
	for v := range n.vendors {
		for j := range n.invoices[v] {
			inv := n.invoice(v, j)
			out[inv.Payer] = append(out[inv.Payer], invRef{int32(v), int32(j)})
		}
	}
	return out
}

// digestSpec is one digest to build: a payer on a channel, and its ledger id.
type digestSpec struct {
	payer   int32
	channel notify.Channel
	id      int64
}

// ceilingSpecs picks the digests the pass sent: the first emails payers
// reachable by email and the first sms payers with SMS consent.
func (n *network) ceilingSpecs(emails, sms int) []digestSpec {
	var out []digestSpec
	for p := range int32(n.payers) {
		c := n.customer(p)
		if c.Email != "" && emails > 0 {
			emails--
			out = append(out, digestSpec{payer: p, channel: notify.Email, id: int64(len(out) + 1)})
		}
		if c.SMSConsent && sms > 0 {
			sms--
			out = append(out, digestSpec{payer: p, channel: notify.SMS, id: int64(len(out) + 1)})
		}
	}
	return out
}

// hasPay marks, in a skeleton, a line whose invoice has a pay URL: sign
// replaces it with the signed pay link.
const hasPay = "pay"

// skeleton builds payer p's digest as bundler's build does at today, from
// the generated invoices refs (all open, none held or muted in the main
// network): remindable lines overdue or due within bundler.Window days, by
// due date, at most bundler.MaxLines listed, grouped by vendor in the order
// first seen. Links are left empty (hasPay marks the pay link to come).
func (n *network) skeleton(refs []invRef, p int32, id int64, today civil.Date) bundler.Digest {
	horizon := today.AddDays(bundler.Window)
	invs := make([]genInvoice, 0, len(refs))
	for _, r := range refs {
		if inv := n.invoice(int(r.v), int(r.j)); !inv.Due.After(horizon) && inv.AmountRemaining > 0 {
			invs = append(invs, inv)
		}
	}
	// The hub reads them by due date, then id (push order: vendor, index).
	slices.SortFunc(invs, func(a, b genInvoice) int {
		if c := a.Due.Compare(b.Due); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(a.Vendor, b.Vendor), cmp.Compare(a.Index, b.Index))
	})
	d := bundler.Digest{ID: id, PayerID: int64(p) + 1, PayerName: n.customer(p).Name, Today: today, Due: money.Totals{}}
	sections := map[int]int{}
	omitted := map[int]bool{}
	for _, inv := range invs {
		if d.InvoiceCount() >= bundler.MaxLines {
			d.Omitted++
			d.Due.Add(inv.Currency, inv.AmountRemaining)
			if _, shown := sections[inv.Vendor]; !shown {
				omitted[inv.Vendor] = true
			}
			continue
		}
		k, ok := sections[inv.Vendor]
		if !ok {
			k = len(d.Vendors)
			sections[inv.Vendor] = k
			d.Vendors = append(d.Vendors, bundler.VendorSection{VendorID: int64(inv.Vendor) + 1,
				Name: n.vendors[inv.Vendor].Name, Due: money.Totals{}})
		}
		line := bundler.Line{InvoiceID: int64(inv.Vendor)<<24 | int64(inv.Index) + 1, Number: inv.Number,
			Currency: inv.Currency, AmountRemaining: inv.AmountRemaining, DueDate: inv.Due,
			DaysOverdue: inv.Due.DaysUntil(today), Memo: inv.Memo}
		if inv.PayURL != "" {
			line.Links.Pay = hasPay
		}
		sec := &d.Vendors[k]
		sec.Invoices = append(sec.Invoices, line)
		sec.Due.Add(inv.Currency, inv.AmountRemaining)
		d.Due.Add(inv.Currency, inv.AmountRemaining)
	}
	for v := range omitted {
		if _, shown := sections[v]; !shown {
			d.OmittedVendors++
		}
	}
	return d
}

// sign signs every link of d for channel, as bundler's build does.
func sign(s *links.Signer, d *bundler.Digest, channel notify.Channel) error {
	link := func(action string, invoiceID int64) (string, error) {
		return s.URL(links.Link{PayerID: d.PayerID, DigestID: d.ID, Action: action, InvoiceID: invoiceID, Channel: string(channel)})
	}
	var err error
	for i := range d.Vendors {
		for k := range d.Vendors[i].Invoices {
			l := &d.Vendors[i].Invoices[k]
			if l.Links.Pay == hasPay {
				if l.Links.Pay, err = link(links.ActionPay, l.InvoiceID); err != nil {
					return err
				}
			}
			for _, a := range []struct {
				action string
				to     *string
			}{{links.ActionApplyCredit, &l.Links.ApplyCredit}, {links.ActionAsk, &l.Links.Ask}, {links.ActionDispute, &l.Links.Dispute}} {
				if *a.to, err = link(a.action, l.InvoiceID); err != nil {
					return err
				}
			}
		}
	}
	if d.InboxURL, err = link(links.ActionInbox, 0); err != nil {
		return err
	}
	if d.PreferencesURL, err = link(links.ActionPreferences, 0); err != nil {
		return err
	}
	d.UnsubscribeURL, err = link(links.ActionUnsubscribe, 0)
	return err
}

// shortURL is an SMS link like the bundler's (whose token it also stores
// in the database; the ceiling only draws it).
func shortURL(baseURL string) string {
	b := make([]byte, 20)
	rand.Read(b)
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return baseURL + "/s/" + string(b)
}

// signAndRender signs d's links and renders it for its channel, returning
// the message's size.
func signAndRender(s *links.Signer, baseURL string, d *bundler.Digest, channel notify.Channel) (int, error) {
	if err := sign(s, d, channel); err != nil {
		return 0, err
	}
	if channel == notify.SMS {
		d.ShortURL = shortURL(baseURL)
		text, err := bundler.RenderSMS(*d)
		return len(text), err
	}
	subject, text, html, err := bundler.RenderEmail(*d)
	return len(subject) + len(text) + len(html), err
}

// ceilingReport is the rendering ceiling's outcome.
type ceilingReport struct {
	N        int
	Workers  int
	Bytes    int64
	Duration time.Duration // signing and rendering only
	Build    time.Duration // building the lines from the generator, not part of the figure
}

// ceilingChunk is how many digests are built in memory before they are
// signed and rendered: memory stays bounded at any scale.
const ceilingChunk = 2048

// renderCeiling signs and renders the digests of specs on GOMAXPROCS
// goroutines, as of now.
func renderCeiling(n *network, s *server, specs []digestSpec, now time.Time) (ceilingReport, error) {
	rep := ceilingReport{N: len(specs), Workers: runtime.GOMAXPROCS(0)}
	byPayer := n.invoicesByPayer()
	today := civil.Of(now.UTC())
	digests := make([]bundler.Digest, 0, ceilingChunk)
	for chunk := range slices.Chunk(specs, ceilingChunk) {
		began := time.Now()
		digests = digests[:0]
		for _, sp := range chunk {
			digests = append(digests, n.skeleton(byPayer[sp.payer], sp.payer, sp.id, today))
		}
		rep.Build += time.Since(began)
		began = time.Now()
		var next atomic.Int64
		var bytes atomic.Int64
		var firstErr atomic.Pointer[error]
		var wg sync.WaitGroup
		for range rep.Workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= len(digests) {
						return
					}
					size, err := signAndRender(s.links, s.baseURL, &digests[i], chunk[i].channel)
					if err != nil {
						firstErr.CompareAndSwap(nil, &err)
						return
					}
					bytes.Add(int64(size))
				}
			}()
		}
		wg.Wait()
		rep.Duration += time.Since(began)
		rep.Bytes += bytes.Load()
		if p := firstErr.Load(); p != nil {
			return rep, fmt.Errorf("bench: rendering ceiling: %w", *p)
		}
	}
	return rep, nil
}
