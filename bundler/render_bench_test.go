package bundler_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/links"
	"github.com/duehub/duehub/money"
)

// benchDigest is a full digest: MaxLines invoices over five vendors in
// three currencies, with signed-link-sized URLs, and more left out.
func benchDigest() bundler.Digest {
	today := civil.Date{Year: 2026, Month: time.November, Day: 17}
	link := func(action string, i int) string {
		return fmt.Sprintf("https://hub.example/l/eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.%s%0200d.sig", action, i)
	}
	d := bundler.Digest{ID: 42, PayerID: 7, PayerName: "Acme Corp", Today: today, Due: money.Totals{},
		InboxURL: link("inbox", 0), PreferencesURL: link("prefs", 0), UnsubscribeURL: link("unsub", 0),
		ShortURL: "https://hub.example/s/Ab3dEf9hIjKlMnOpQrSt", Omitted: 12, OmittedVendors: 1}
	currencies := []string{"USD", "EUR", "JPY"}
	for v := range 5 {
		sec := bundler.VendorSection{VendorID: int64(v + 1), Name: fmt.Sprintf("Vendor %d Supplies", v),
			Domain: fmt.Sprintf("vendor%d.example", v), Due: money.Totals{}}
		for i := range bundler.MaxLines / 5 {
			n := v*10 + i
			cur := currencies[n%len(currencies)]
			l := bundler.Line{InvoiceID: int64(n + 1), Number: fmt.Sprintf("INV-%05d", n), Currency: cur,
				AmountRemaining: int64(12345 * (n + 1)), DueDate: today.AddDays(10 - 3*i), DaysOverdue: 3*i - 10,
				Memo: "PO 4471 — 12 pallets", Links: bundler.Links{Pay: link("pay", n), ApplyCredit: link("credit", n),
					Ask: link("ask", n), Dispute: link("dispute", n)}}
			sec.Invoices = append(sec.Invoices, l)
			sec.Due.Add(cur, l.AmountRemaining)
			d.Due.Add(cur, l.AmountRemaining)
		}
		d.Vendors = append(d.Vendors, sec)
	}
	return d
}

func BenchmarkRenderEmail(b *testing.B) {
	d := benchDigest()
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		if _, _, html, err := bundler.RenderEmail(d); err != nil || html == "" {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderSMS(b *testing.B) {
	d := benchDigest()
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		if _, err := bundler.RenderSMS(d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildEmail is the CPU part of building one full digest: sign its
// links (four per listed invoice, plus inbox, preferences and unsubscribe)
// with the real Signer, then render the email. The database reads of a
// real build are left out.
func BenchmarkBuildEmail(b *testing.B) {
	base := benchDigest()
	signer := links.NewSigner("0123456789abcdef0123456789abcdef", "https://hub.example", time.Now)
	link := func(action string, invoiceID int64) string {
		u, err := signer.URL(links.Link{PayerID: base.PayerID, Generation: 1, DigestID: base.ID, Action: action, InvoiceID: invoiceID, Channel: "email"})
		if err != nil {
			b.Fatal(err)
		}
		return u
	}
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		d := base
		d.Vendors = make([]bundler.VendorSection, len(base.Vendors))
		for i, v := range base.Vendors {
			v.Invoices = make([]bundler.Line, len(v.Invoices))
			for j, l := range base.Vendors[i].Invoices {
				l.Links = bundler.Links{Pay: link(links.ActionPay, l.InvoiceID), ApplyCredit: link(links.ActionApplyCredit, l.InvoiceID),
					Ask: link(links.ActionAsk, l.InvoiceID), Dispute: link(links.ActionDispute, l.InvoiceID)}
				v.Invoices[j] = l
			}
			d.Vendors[i] = v
		}
		d.InboxURL, d.PreferencesURL, d.UnsubscribeURL = link(links.ActionInbox, 0), link(links.ActionPreferences, 0), link(links.ActionUnsubscribe, 0)
		if _, _, html, err := bundler.RenderEmail(d); err != nil || html == "" {
			b.Fatal(err)
		}
	}
}
