package bundler

import (
	"fmt"
	"testing"

	"github.com/duehub/duehub/money"
)

// sampleDigest is Acme Corp's digest on 2026-06-08: Northwind with overdue,
// due-today and upcoming invoices in two currencies and one disputed
// invoice; Café Roma in JPY with no payment page; Gulf Trading in KWD.
func sampleDigest(t *testing.T) Digest {
	t.Helper()
	today := date(t, "2026-06-08")
	ln := func(vendor, number, currency string, amount int64, daysOverdue int, memo string) Line {
		id := int64(len(number)*1000) + amount%1000
		l := Line{InvoiceID: id, Number: number, Currency: currency, AmountRemaining: amount,
			DueDate: today.AddDays(-daysOverdue), DaysOverdue: daysOverdue, Memo: memo}
		l.Links = Links{
			Pay:         linkURL("pay", vendor, number),
			ApplyCredit: linkURL("credit", vendor, number),
			Ask:         linkURL("ask", vendor, number),
			Dispute:     linkURL("dispute", vendor, number),
		}
		return l
	}
	held := ln("northwind", "NW-0999", "USD", 99900, 20, "")
	held.Links = Links{}
	held.HoldReason = "Disputed — reminders paused until the vendor resolves it"
	roma := ln("roma", "R-77", "JPY", 1234567, -3, "Espresso beans, May")
	roma.Links.Pay = ""
	d := Digest{
		ID: 42, PayerID: 7, PayerName: "Acme Corp", Today: today,
		Vendors: []VendorSection{
			{VendorID: 1, Name: "Northwind Supplies", Domain: "northwind.example", Invoices: []Line{
				ln("northwind", "NW-1001", "USD", 125000, 12, "PO 4471"),
				ln("northwind", "NW-1002", "USD", 50000, 0, ""),
				ln("northwind", "NW-1003", "EUR", 2500, -5, ""),
			}, Held: []Line{held}},
			{VendorID: 2, Name: "Café Roma", Domain: "caferoma.example", Invoices: []Line{roma}},
			{VendorID: 3, Name: "Gulf Trading", Invoices: []Line{ln("gulf", "GT-5", "KWD", 1500, 1, "")}},
		},
		InboxURL:       "https://hub.example/l/inbox?t=tok-inbox&d=42",
		PreferencesURL: "https://hub.example/l/preferences?t=tok-prefs&d=42",
		UnsubscribeURL: "https://hub.example/l/unsubscribe?t=tok-unsub&d=42",
		ShortURL:       "https://hub.example/s/Ab3dEf9hIj",
	}
	return withTotals(d)
}

// linkURL has an '&' so tests see it escaped as &amp; in HTML.
func linkURL(action, vendor, number string) string {
	return fmt.Sprintf("https://hub.example/l/%s?t=tok-%s-%s&d=42", action, vendor, number)
}

// withTotals fills Due the way the builder does: remindable lines only.
func withTotals(d Digest) Digest {
	d.Due = money.Totals{}
	for i := range d.Vendors {
		v := &d.Vendors[i]
		v.Due = money.Totals{}
		for _, l := range v.Invoices {
			v.Due.Add(l.Currency, l.AmountRemaining)
			d.Due.Add(l.Currency, l.AmountRemaining)
		}
	}
	return d
}

// vendorWith is a vendor with n remindable lines of amount each, plus held.
func vendorWith(name string, n int, currency string, amount int64, held int) VendorSection {
	v := VendorSection{Name: name}
	for i := range n {
		num := fmt.Sprintf("%s-%d", name, i)
		v.Invoices = append(v.Invoices, Line{Number: num, Currency: currency, AmountRemaining: amount,
			Links: Links{Pay: linkURL("pay", name, num), ApplyCredit: linkURL("credit", name, num),
				Ask: linkURL("ask", name, num), Dispute: linkURL("dispute", name, num)}})
	}
	for i := range held {
		v.Held = append(v.Held, Line{Number: fmt.Sprintf("%s-H%d", name, i), Currency: currency,
			AmountRemaining: amount, HoldReason: "Payment promised for 2026-06-20"})
	}
	return v
}

func digestOf(vendors ...VendorSection) Digest {
	return withTotals(Digest{
		ID: 1, PayerName: "Acme Corp", Vendors: vendors,
		InboxURL: "https://hub.example/l/inbox", PreferencesURL: "https://hub.example/l/prefs",
		UnsubscribeURL: "https://hub.example/l/unsub", ShortURL: "https://hub.example/s/Zx81Qw",
	})
}
