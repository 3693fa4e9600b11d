package bundler

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestRenderSMS(t *testing.T) {
	long := func(n int) Digest {
		var vs []VendorSection
		for i := range n {
			vs = append(vs, vendorWith(fmt.Sprintf("Consolidated International Widget Manufacturing Company %d", i), 3, "USD", 123456, 0))
		}
		return digestOf(vs...)
	}
	manyCurrencies := long(40)
	for i, c := range []string{"EUR", "JPY", "KWD", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "AUD", "CAD", "NZD", "SGD", "HKD", "MXN", "BRL", "ZAR", "INR"} {
		manyCurrencies.Due.Add(c, int64(99999999999+i))
	}
	allHeld := digestOf(vendorWith("Northwind Supplies", 0, "USD", 1000, 2), vendorWith("Globex", 0, "USD", 1000, 1))
	cases := []struct {
		name string
		d    Digest
		want string // whole message, or "" to check only the invariants
		has  []string
	}{
		{"one vendor", digestOf(vendorWith("Northwind Supplies", 1, "USD", 125000, 0)),
			"duehub: USD 1,250.00 due to Northwind Supplies. 1 invoice. Reply STOP to opt out. Open your inbox: https://hub.example/s/Zx81Qw", nil},
		{"three vendors, overdue and held", overdueAndHeld(),
			"duehub: EUR 5.00 + USD 20.00 due to Northwind Supplies, Acme Inc. and Globex. 4 invoices, 2 overdue, 1 on hold. Reply STOP to opt out. Open your inbox: https://hub.example/s/Zx81Qw", nil},
		{"everything on hold", allHeld,
			"duehub: 3 invoices from Northwind Supplies and Globex on hold; nothing is due now. Reply STOP to opt out. Open your inbox: https://hub.example/s/Zx81Qw", nil},
		{"40 vendors with long names", long(40), "", []string{"USD 148,147.20 due to Consolidated", "more vendors. 120 invoices."}},
		{"40 vendors, 21 currencies", manyCurrencies, "", []string{"more currencies due to", "120 invoices."}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg, err := RenderSMS(c.d)
			if err != nil {
				t.Fatal(err)
			}
			if c.want != "" && msg != c.want {
				t.Errorf("got  %q\nwant %q", msg, c.want)
			}
			for _, h := range c.has {
				if !strings.Contains(msg, h) {
					t.Errorf("%q lacks %q", msg, h)
				}
			}
			n, gsm := GSM7Septets(msg)
			if !gsm || n > 306 || SMSSegments(msg) > 2 {
				t.Errorf("%d septets, GSM-7 %v, %d segments: %q", n, gsm, SMSSegments(msg), msg)
			}
			if !strings.HasSuffix(msg, " "+c.d.ShortURL) || strings.Count(msg, "https://") != 1 {
				t.Errorf("the short link is not whole and alone at the end: %q", msg)
			}
		})
	}
}

func overdueAndHeld() Digest {
	nw := vendorWith("Northwind Supplies", 2, "USD", 1000, 1)
	nw.Invoices[0].DaysOverdue, nw.Invoices[1].DaysOverdue = 12, 3
	return digestOf(nw, vendorWith("Acme Inc.", 1, "EUR", 500, 0), vendorWith("Globex", 1, "EUR", 0, 0))
}

func TestRenderSMSVendorNames(t *testing.T) {
	cases := []struct {
		name, domain, want string
	}{
		{"Café Roma", "", "Café Roma"}, // é is in the GSM-7 alphabet: kept, one septet
		{"Ćevapi Grill", "", "Cevapi Grill"},
		{"Łódź Logistics", "", "Lodz Logistics"},
		{"Müller & Söhne GmbH", "", "Müller & Söhne GmbH"},
		{"ООО «Ромашка»", "", "OOO \"Romashka\""},
		{"Ωmega Ψ and ωmega", "", "Ωmega Ψ and Ωmega"},
		{"株式会社山田", "www.yamada.example", "yamada"},
		{"株式会社山田", "", ""},
		{"Ａｃｍｅ ﬁnance 🚀", "", "Acme finance"},
		{"pay-now.example", "", "pay-now. example"},
		{"Consolidated International Widget Manufacturing", "", "Consolidated International Widget Man..."},
	}
	for _, c := range cases {
		got := smsVendorName(VendorSection{Name: c.name, Domain: c.domain})
		if got != c.want {
			t.Errorf("%q: got %q, want %q", c.name, got, c.want)
		}
		if _, ok := GSM7Septets(got); !ok {
			t.Errorf("%q: %q is not GSM-7", c.name, got)
		}
	}
	// A vendor with no Latin name is counted, not dropped.
	msg, err := RenderSMS(digestOf(vendorWith("株式会社山田", 1, "JPY", 5000, 0), vendorWith("Северсталь", 1, "JPY", 5000, 0)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg, "JPY 10,000 due to Severstal and 1 more vendor.") {
		t.Errorf("got %q", msg)
	}
	if _, ok := GSM7Septets(msg); !ok {
		t.Errorf("not GSM-7: %q", msg)
	}
}

func TestRenderSMSRefuses(t *testing.T) {
	d := digestOf(vendorWith("A", 1, "USD", 100, 0))
	for _, c := range []struct {
		name, url string
	}{
		{"no link", ""},
		{"a JWT", "https://hub.example/l/inbox?t=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI3In0.sig"},
		{"a long link", "https://hub.example/s/" + strings.Repeat("x", 120)},
		{"a link with a space", "https://hub.example/s/ab cd"},
	} {
		d.ShortURL = c.url
		if msg, err := RenderSMS(d); err == nil {
			t.Errorf("%s: sent %q", c.name, msg)
		}
	}
	d = digestOf(vendorWith("A", 0, "USD", 100, 0))
	if _, err := RenderSMS(d); !errors.Is(err, ErrEmptyDigest) {
		t.Errorf("an SMS about nothing: err %v", err)
	}
}

func TestGSM7Septets(t *testing.T) {
	cases := []struct {
		in  string
		n   int
		gsm bool
	}{
		{"", 0, true},
		{"Hello", 5, true},
		{"{", 2, true},
		{"€", 2, true},
		{"[x]~|^\\", 13, true},
		{"Café Øre ß Δ", 12, true},
		{"ç", 1, false}, // only capital Ç is in the alphabet
		{"Ćevapi", 6, false},
		{"`", 1, false},
		{"😀", 1, false},
		{"\x1b", 1, false},
	}
	for _, c := range cases {
		n, gsm := GSM7Septets(c.in)
		if n != c.n || gsm != c.gsm {
			t.Errorf("GSM7Septets(%q) = %d, %v; want %d, %v", c.in, n, gsm, c.n, c.gsm)
		}
	}
}

func TestSMSSegments(t *testing.T) {
	a := func(n int) string { return strings.Repeat("a", n) }
	cases := []struct {
		name string
		in   string
		want int
	}{
		{"empty", "", 0},
		{"160 septets fit one", a(160), 1},
		{"161 need two", a(161), 2},
		{"306 fit two", a(306), 2},
		{"307 need three", a(307), 3},
		{"158 + € is 160", a(158) + "€", 1},
		{"159 + € is 161", a(159) + "€", 2},
		{"an escape is not split across segments", a(152) + "{" + a(152), 3},
		{"70 UCS-2 characters fit one", strings.Repeat("ж", 70), 1},
		{"71 need two", strings.Repeat("ж", 71), 2},
		{"134 fit two", strings.Repeat("ж", 134), 2},
		{"a surrogate pair is not split", strings.Repeat("ж", 66) + "😀" + strings.Repeat("ж", 66), 3},
	}
	for _, c := range cases {
		if got := SMSSegments(c.in); got != c.want {
			t.Errorf("%s: %d segments, want %d", c.name, got, c.want)
		}
	}
}
