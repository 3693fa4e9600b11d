package bundler

import (
	"errors"
	"strings"
	"testing"
)

func TestSubject(t *testing.T) {
	cases := []struct {
		name string
		d    Digest
		want string
	}{
		{"several vendors, one currency",
			digestOf(vendorWith("A", 3, "USD", 400000, 0), vendorWith("B", 2, "USD", 17000, 0), vendorWith("C", 2, "USD", 0, 0)),
			"3 vendors · 7 invoices · USD 12,340.00 due"},
		{"singular", digestOf(vendorWith("A", 1, "USD", 1000, 0)), "1 vendor · 1 invoice · USD 10.00 due"},
		{"currencies in code order", digestOf(vendorWith("A", 1, "USD", 1234000, 0), vendorWith("B", 1, "EUR", 50000, 0)),
			"2 vendors · 2 invoices · EUR 500.00 + USD 12,340.00 due"},
		{"held invoices are not counted as due", digestOf(vendorWith("A", 2, "USD", 1000, 1), vendorWith("B", 0, "USD", 99999, 2)),
			"1 vendor · 2 invoices · USD 20.00 due"},
		{"everything on hold", digestOf(vendorWith("A", 0, "USD", 1000, 1), vendorWith("B", 0, "EUR", 1000, 2)),
			"2 vendors · 3 invoices on hold"},
		{"currency exponents", digestOf(vendorWith("A", 1, "JPY", 1234567, 0), vendorWith("B", 1, "KWD", 1500, 0)),
			"2 vendors · 2 invoices · JPY 1,234,567 + KWD 1.500 due"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, _, _, err := RenderEmail(c.d)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("subject %q, want %q", got, c.want)
			}
		})
	}
}

func TestRenderEmailRefuses(t *testing.T) {
	noUnsub := sampleDigest(t)
	noUnsub.UnsubscribeURL = ""
	if _, _, _, err := RenderEmail(noUnsub); err == nil || !strings.Contains(err.Error(), "unsubscribe") {
		t.Errorf("an email without an unsubscribe link rendered (err %v)", err)
	}
	if _, _, _, err := RenderEmail(digestOf(vendorWith("A", 0, "USD", 0, 0))); !errors.Is(err, ErrEmptyDigest) {
		t.Errorf("a digest about nothing rendered (err %v)", err)
	}
}

func TestRenderEmailDueStatus(t *testing.T) {
	cases := []struct {
		days int
		want string
	}{{12, "12 days overdue"}, {1, "1 day overdue"}, {0, "due today"}, {-1, "due tomorrow"}, {-5, "due in 5 days"}}
	for _, c := range cases {
		v := vendorWith("A", 1, "USD", 1000, 0)
		v.Invoices[0].DaysOverdue = c.days
		_, text, html, err := RenderEmail(digestOf(v))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(html, c.want) || !strings.Contains(text, c.want) {
			t.Errorf("%d days overdue: %q missing", c.days, c.want)
		}
	}
}

func TestRenderEmailPlainText(t *testing.T) {
	d := sampleDigest(t)
	_, text, _, err := RenderEmail(d)
	if err != nil {
		t.Fatal(err)
	}
	// Every link written out whole, unescaped, on a line of its own.
	lines := map[string]bool{}
	for _, l := range strings.Split(text, "\n") {
		f := strings.Fields(l)
		if len(f) > 0 {
			lines[f[len(f)-1]] = true
		}
	}
	for _, u := range allURLs(d) {
		if !lines[u] {
			t.Errorf("link %s missing from the plain text", u)
		}
	}
	for _, want := range []string{
		"EUR 25.00 + JPY 1,234,567 + KWD 1.500 + USD 1,750.00 due",
		"== Northwind Supplies · northwind" + wordJoiner + ".example ==",
		"Invoice NW-1001 · USD 1,250.00", "Due 27 May 2026 · 12 days overdue", "Memo: PO 4471",
		"Total due: EUR 25.00 + USD 1,750.00",
		"On hold (not included in the amount due):", "On hold: Disputed",
		"Pay the vendor directly", "Invoice R-77 · JPY 1,234,567", "Invoice GT-5 · KWD 1.500",
		"that bill Acme Corp.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("plain text lacks %q", want)
		}
	}
	if strings.Contains(text, "&amp;") || strings.Contains(text, "<") {
		t.Error("plain text carries HTML")
	}
}

// allURLs lists every link a digest's email must carry.
func allURLs(d Digest) []string {
	urls := []string{d.InboxURL, d.PreferencesURL, d.UnsubscribeURL}
	for _, v := range d.Vendors {
		for _, l := range append(append([]Line{}, v.Invoices...), v.Held...) {
			for _, u := range []string{l.Links.Pay, l.Links.ApplyCredit, l.Links.Ask, l.Links.Dispute} {
				if u != "" {
					urls = append(urls, u)
				}
			}
		}
	}
	return urls
}

func TestBreakLinks(t *testing.T) {
	const j = wordJoiner
	cases := []struct{ in, want string }{
		{"visit https://evil.example now", "visit https" + j + "://evil" + j + ".example now"},
		{"northwind.example", "northwind" + j + ".example"},
		{"pay to ap@evil.example.", "pay to ap" + j + "@evil" + j + ".example."},
		{"Acme Inc. ships", "Acme Inc. ships"},
		{"PO: 4471", "PO: 4471"},
		{"invoice 2026.001 of 1.500 KWD", "invoice 2026.001 of 1.500 KWD"},
		{"server 10.0.0.1", "server 10" + j + ".0" + j + ".0" + j + ".1"},
		{"ｅｖｉｌ．ｅｘａｍｐｌｅ", "ｅｖｉｌ" + j + "．ｅｘａｍｐｌｅ"},
	}
	for _, c := range cases {
		if got := newVendorText(c.in, maxMemo).Text(); got != c.want {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCleanText(t *testing.T) {
	cases := []struct {
		in   string
		max  int
		want string
	}{
		{"  PO 4471\r\n\tline two  ", maxMemo, "PO 4471 line two"},
		{"evil\u200b.example", maxMemo, "evil.example"}, // a smuggled zero-width space goes; linkBreaks then sees the dot
		{"abc\u202etxt.exe", maxMemo, "abctxt.exe"},     // no bidi override reversing what the payer reads
		{"abcdefghij", 6, "abcde…"},
		{"abcdef", 6, "abcdef"},
	}
	for _, c := range cases {
		if got := cleanText(c.in, c.max); got != c.want {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
}
