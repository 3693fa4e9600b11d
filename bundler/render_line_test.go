package bundler

import (
	htmltemplate "html/template"
	"math/rand/v2"
	"strings"
	"testing"
	texttemplate "text/template"
)

// The templates as they were before render_line.go wrote the invoice
// lines: the reference the hand-written lines must match byte for byte,
// escaping included. A deliberate change of the email's layout changes
// testdata/digest_reference.* the same way.
var (
	referenceHTML = htmltemplate.Must(htmltemplate.ParseFiles("testdata/digest_reference.html"))
	referenceText = texttemplate.Must(texttemplate.ParseFiles("testdata/digest_reference.txt"))
)

func renderReference(t testing.TB, d Digest) (text, html string) {
	t.Helper()
	v := newEmailView(d)
	var h, x strings.Builder
	if err := referenceHTML.Execute(&h, v); err != nil {
		t.Fatal(err)
	}
	if err := referenceText.Execute(&x, v); err != nil {
		t.Fatal(err)
	}
	return x.String(), h.String()
}

func sameAsReference(t *testing.T, name string, d Digest) {
	t.Helper()
	_, text, html, err := RenderEmail(d)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	wantText, wantHTML := renderReference(t, d)
	for part, got := range map[string][2]string{"html": {html, wantHTML}, "text": {text, wantText}} {
		if got[0] != got[1] {
			i := 0
			for i < len(got[0]) && i < len(got[1]) && got[0][i] == got[1][i] {
				i++
			}
			t.Errorf("%s: %s part differs from the template's at byte %d:\n got %q\nwant %q", name, part, i,
				excerpt(got[0], i), excerpt(got[1], i))
		}
	}
}

func excerpt(s string, i int) string {
	lo, hi := max(0, i-80), min(len(s), i+80)
	return s[lo:hi]
}

// hostile is vendor-supplied text and links meant to break out of their
// place in the email.
var hostile = []string{
	`<script>alert(1)</script>`, `"><img src=x onerror=alert(1)>`, `' onmouseover='alert(1)`, `a & b &amp; c`,
	"javascript:alert(1)", "JavaScript:alert(document.cookie)", "data:text/html;base64,PHNjcmlwdD4=", "vbscript:x",
	"https://evil.example/a b?c=\"d\"&e='f'<g>", "https://hub.example/l/%zz%41%4", "mailto:ap@acme.example?subject=a+b",
	"//evil.example/x", "/relative/path?x=1&y=2", "x\x00y", "tab\there", "日本語 テキスト", "100% + 50%",
	"evil.example", "ap@acme.example", "https://evil.example", "1.2.3.4", "＠ｅｖｉｌ．ｅｘａｍｐｌｅ",
	"\u202eevil\u202c", "</td></tr></table>", "{{.Subject}}", "`backtick` (paren) {brace} |pipe| \\ ^",
	"USD 1,250.00", "", "  spaced   out  ", strings.Repeat("long memo ", 50),
}

func TestLineWriterMatchesTemplate(t *testing.T) {
	sameAsReference(t, "sample", sampleDigest(t))
	for _, d := range []Digest{
		digestOf(vendorWith("Northwind", 3, "USD", 1000, 2)),
		digestOf(vendorWith("Held only", 0, "USD", 1000, 2)),
	} {
		sameAsReference(t, d.Vendors[0].Name, d)
	}

	rng := rand.New(rand.NewPCG(1, 2))
	pick := func() string { return hostile[rng.IntN(len(hostile))] }
	for i := range 300 {
		d := sampleDigest(t)
		d.PayerName = pick()
		for vi := range d.Vendors {
			v := &d.Vendors[vi]
			v.Name, v.Domain = pick(), pick()
			for _, lines := range [][]Line{v.Invoices, v.Held} {
				for li := range lines {
					l := &lines[li]
					l.Number, l.Memo, l.HoldReason = pick(), pick(), pick()
					l.DaysOverdue = rng.IntN(40) - 20
					for _, u := range []*string{&l.Links.Pay, &l.Links.ApplyCredit, &l.Links.Ask, &l.Links.Dispute} {
						switch rng.IntN(3) {
						case 0:
							*u = pick()
						case 1:
							*u = ""
						}
					}
				}
			}
		}
		d.InboxURL, d.PreferencesURL, d.UnsubscribeURL = "https://hub.example/l/"+pick(), pick()+"x", "javascript:"+pick()
		sameAsReference(t, "hostile digest "+string(rune('A'+i%26)), d)
		if t.Failed() {
			return
		}
	}
}

// TestHostileTextStaysText: vendor text and links cannot make markup or a
// script link in the HTML part, whatever they hold.
func TestHostileTextStaysText(t *testing.T) {
	d := sampleDigest(t)
	l := &d.Vendors[0].Invoices[0]
	l.Number = `<script>alert("n")</script>`
	l.Memo = `"><img src=x onerror=alert('m')> & more`
	l.Links.Pay = "javascript:alert('pay')"
	l.Links.Ask = `https://hub.example/l/x"onclick="alert(1)`
	d.Vendors[0].Name = `Evil <b>Vendor</b> & Co's`
	_, _, html, err := RenderEmail(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script", "<img", "javascript:", `"onclick=`, "<b>Vendor", `alert("n")`, "'m'"} {
		if strings.Contains(html, bad) {
			t.Errorf("HTML part holds %q", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(&#34;n&#34;)&lt;/script&gt;", "&#34;&gt;&lt;img src=x onerror=alert(&#39;m&#39;)&gt; &amp; more",
		`href="#ZgotmplZ"`, "Evil &lt;b&gt;Vendor&lt;/b&gt; &amp; Co&#39;s", `x%22onclick=%22alert%281%29"`} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML part lacks %q", want)
		}
	}
}

func FuzzLineWriter(f *testing.F) {
	for _, s := range hostile {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, text, url string) {
		d := sampleDigest(t)
		l := &d.Vendors[0].Invoices[0]
		l.Number, l.Memo, l.HoldReason = text, text, text
		l.Links.Pay, l.Links.Ask = url, url
		sameAsReference(t, "fuzz", d)
	})
}

// TestCleanTextShortcut: text the shortcut passes through unchanged is
// text the full cleaning would not have changed either.
func TestCleanTextShortcut(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	inputs := append([]string{"a", " a", "a ", "a  b", "a b", "a\tb", "\x7f", "PO 4471", strings.Repeat("x", 64), strings.Repeat("x", 65)}, hostile...)
	for range 5000 {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = " a.\t\x00~\x7f"[rng.IntN(7)]
		}
		inputs = append(inputs, string(b))
	}
	for _, s := range inputs {
		if got, want := cleanText(s, 64), cleanAnyText(s, 64); got != want {
			t.Errorf("cleanText(%q) = %q, want %q", s, got, want)
		}
	}
}
