package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/links"
	"github.com/duehub/duehub/notify"
)

// The ceiling's in-memory digest of the heavy payer is what the bundler
// would send: MaxLines lines, the rest counted and totalled, every line
// with its signed links, rendered with the product's renderer.
func TestCeilingDigestOfTheHeavyPayer(t *testing.T) {
	n := newNetwork(netConfig{Seed: 3, Scale: 0.002, Ref: refDay, DueMin: -60, DueMax: 45, FirstOverdue: true, IssuedByRef: true})
	now := refDay.In(time.UTC).Add(10 * time.Hour)
	today := civil.Of(now)
	refs := n.invoicesByPayer()[0]
	if len(refs) != heavyVendors*heavyInvoices {
		t.Fatalf("the heavy payer has %d invoices", len(refs))
	}
	remindable := 0
	for _, r := range refs {
		if !n.invoice(int(r.v), int(r.j)).Due.After(today.AddDays(bundler.Window)) {
			remindable++
		}
	}
	d := n.skeleton(refs, 0, 7, today)
	if d.InvoiceCount() != bundler.MaxLines || d.Omitted != remindable-bundler.MaxLines {
		t.Errorf("%d lines listed, %d omitted, of %d remindable", d.InvoiceCount(), d.Omitted, remindable)
	}
	last := civil.Date{}
	for _, v := range d.Vendors {
		if len(v.Invoices) == 0 {
			t.Errorf("vendor %s has an empty section", v.Name)
		}
		if v.Invoices[0].DueDate.Before(last) {
			t.Errorf("vendor %s is not in the order its first invoice falls due", v.Name)
		}
		last = v.Invoices[0].DueDate
	}
	s := &server{baseURL: "http://hub.test", links: links.NewSigner(strings.Repeat("s", 32), "http://hub.test", time.Now)}
	size, err := signAndRender(s.links, s.baseURL, &d, notify.Email)
	if err != nil || size == 0 {
		t.Fatalf("render: %d bytes, %v", size, err)
	}
	for _, v := range d.Vendors {
		for _, l := range v.Invoices {
			if !strings.HasPrefix(l.Links.Ask, s.baseURL+"/l/") || l.Links.Pay == hasPay {
				t.Fatalf("line %s is not signed: %+v", l.Number, l.Links)
			}
		}
	}
	if _, err := s.links.Parse(strings.TrimPrefix(d.InboxURL, s.baseURL+"/l/")); err != nil {
		t.Errorf("the inbox link does not verify: %v", err)
	}
	sms := n.skeleton(refs, 0, 8, today)
	if size, err := signAndRender(s.links, s.baseURL, &sms, notify.SMS); err != nil || size == 0 || !strings.Contains(sms.ShortURL, "/s/") {
		t.Errorf("SMS: %d bytes, short link %q, %v", size, sms.ShortURL, err)
	}
}
