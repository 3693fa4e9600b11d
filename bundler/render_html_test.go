package bundler

import (
	"io"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

func TestRenderEmailHTMLVendorSections(t *testing.T) {
	d := sampleDigest(t)
	_, _, page, err := RenderEmail(d)
	if err != nil {
		t.Fatal(err)
	}
	doc := parseHTML(t, page)

	head := textOf(find(doc, atom.H1)[0])
	for _, want := range []string{"EUR 25.00", "JPY 1,234,567", "KWD 1.500", "USD 1,750.00"} {
		if !strings.Contains(head, want) {
			t.Errorf("header %q lacks %s", head, want)
		}
	}
	if strings.Contains(head, "2,749.00") {
		t.Error("the disputed invoice is counted in the amount due")
	}

	cases := []struct {
		vendor  string
		heading string
		inOrder []string // texts in this order within the section
		links   []string
		noPay   bool
	}{
		{"Northwind Supplies", "Northwind Supplies · northwind.example",
			[]string{"NW-1001", "12 days overdue", "Memo: PO 4471", "NW-1002", "due today", "NW-1003", "due in 5 days",
				"Total due", "EUR 25.00", "USD 1,750.00", "ON HOLD", "NW-0999", "USD 999.00", "Disputed"},
			urlsOf(d.Vendors[0]), false},
		{"Café Roma", "Café Roma · caferoma.example",
			[]string{"R-77", "JPY 1,234,567", "due in 3 days", "Pay the vendor directly", "Total due", "JPY 1,234,567"},
			urlsOf(d.Vendors[1]), true},
		{"Gulf Trading", "Gulf Trading",
			[]string{"GT-5", "KWD 1.500", "1 day overdue", "Total due", "KWD 1.500"}, urlsOf(d.Vendors[2]), false},
	}
	for _, c := range cases {
		t.Run(c.vendor, func(t *testing.T) {
			sec := vendorSection(t, doc, c.vendor)
			if h := strings.ReplaceAll(textOf(find(sec, atom.H2)[0]), wordJoiner, ""); h != c.heading {
				t.Errorf("heading %q, want %q", h, c.heading)
			}
			text, at := textOf(sec), 0
			for _, want := range c.inOrder {
				i := strings.Index(text[at:], want)
				if i < 0 {
					t.Fatalf("%q missing or out of order in %q", want, text)
				}
				at += i + len(want)
			}
			hrefs := map[string]string{}
			for _, a := range find(sec, atom.A) {
				hrefs[attr(a, "href")] = textOf(a)
			}
			for _, u := range c.links {
				if _, ok := hrefs[u]; !ok {
					t.Errorf("link %s missing", u)
				}
				if !strings.Contains(page, `href="`+strings.ReplaceAll(u, "&", "&amp;")+`"`) {
					t.Errorf("link %s not written with &amp;", u)
				}
			}
			if len(hrefs) != len(c.links) {
				t.Errorf("%d links in the section, want %d: %v", len(hrefs), len(c.links), hrefs)
			}
			for _, label := range hrefs {
				if c.noPay && label == "Pay" {
					t.Error("a Pay link for a vendor with no payment page")
				}
			}
		})
	}
}

// urlsOf lists a vendor's invoice links; held lines carry none in the sample.
func urlsOf(v VendorSection) []string {
	var out []string
	for _, l := range v.Invoices {
		for _, u := range []string{l.Links.Pay, l.Links.ApplyCredit, l.Links.Ask, l.Links.Dispute} {
			if u != "" {
				out = append(out, u)
			}
		}
	}
	return out
}

func TestRenderEmailEverythingOnHold(t *testing.T) {
	_, text, page, err := RenderEmail(digestOf(vendorWith("A", 0, "USD", 1000, 2)))
	if err != nil {
		t.Fatal(err)
	}
	h1 := textOf(find(parseHTML(t, page), atom.H1)[0])
	if h1 != "Nothing due right now" || !strings.HasPrefix(text, "Nothing due right now\n2 invoices from 1 vendor on hold") {
		t.Errorf("all-held digest reads %q / %q", h1, text[:60])
	}
	if strings.Contains(page, "Total due") || strings.Contains(page, "USD 0.00") {
		t.Error("an all-held digest shows an amount due")
	}
}

func TestRenderEmailVendorTextIsPlain(t *testing.T) {
	const evil = "evil.example"
	v := vendorWith("x", 1, "USD", 1000, 0)
	v.Name = "Pay here: https://evil.example/login"
	v.Domain = evil
	v.Invoices[0].Number = "INV@evil.example"
	v.Invoices[0].Memo = `visit https://evil.example now <script>alert("x")</script><a href="https://evil.example">click</a>`
	d := digestOf(v)
	d.PayerName = "ap@evil.example"
	_, text, page, err := RenderEmail(d)
	if err != nil {
		t.Fatal(err)
	}
	for part, body := range map[string]string{"html": page, "text": text} {
		if strings.Contains(body, evil) || strings.Contains(body, "https://evil") {
			t.Errorf("%s part holds %q whole, which clients would link", part, evil)
		}
	}
	doc := parseHTML(t, page)
	if s := find(doc, atom.Script); len(s) > 0 {
		t.Error("the memo's <script> became an element")
	}
	ours := allURLs(d)
	for _, a := range find(doc, atom.A) {
		if !slices.Contains(ours, attr(a, "href")) || strings.Contains(textOf(a), "evil") {
			t.Errorf("vendor text became a link: %q → %s", textOf(a), attr(a, "href"))
		}
	}
	// The payer still reads what the vendor wrote.
	read := strings.ReplaceAll(textOf(doc), wordJoiner, "")
	for _, want := range []string{v.Invoices[0].Memo, "Pay here: https://evil.example/login · evil.example",
		"INV@evil.example", "that bill ap@evil.example."} {
		if !strings.Contains(read, want) {
			t.Errorf("the page does not read %q", want)
		}
	}
	if !strings.Contains(strings.ReplaceAll(text, wordJoiner, ""), v.Invoices[0].Memo) {
		t.Error("the plain text does not read the memo")
	}
}

// TestRenderEmailInlineStylesOnly checks what keeps the email readable in
// every client: no stylesheet, class, image or script to lose; layout tables
// marked presentational and never wider than the phone; every tag closed.
func TestRenderEmailInlineStylesOnly(t *testing.T) {
	_, _, page, err := RenderEmail(sampleDigest(t))
	if err != nil {
		t.Fatal(err)
	}
	doc := parseHTML(t, page)
	maxWidth := false
	walk(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		switch n.DataAtom {
		case atom.Style, atom.Link, atom.Script, atom.Img, atom.Iframe, atom.Form, atom.Input, atom.Object:
			t.Errorf("<%s> in the email", n.Data)
		case atom.Table:
			if attr(n, "role") != "presentation" {
				t.Error("a layout table without role=presentation: screen readers would announce a data table")
			}
			if w := attr(n, "width"); w != "" && w != "100%" {
				t.Errorf("table width=%q: wider than a 375px phone once CSS is stripped", w)
			}
			maxWidth = maxWidth || strings.Contains(attr(n, "style"), "max-width:600px")
		}
		for _, a := range n.Attr {
			if a.Key == "class" || a.Key == "id" || strings.HasPrefix(a.Key, "on") {
				t.Errorf("<%s %s=%q>: only inline styles survive every client", n.Data, a.Key, a.Val)
			}
		}
	})
	if !maxWidth {
		t.Error("no 600px column")
	}
	if !strings.Contains(page, `<meta name="viewport" content="width=device-width, initial-scale=1">`) {
		t.Error("no viewport meta: phones would render a shrunken desktop page")
	}
	checkBalanced(t, page)
}

// checkBalanced fails when a tag is left open or closed out of order: some
// webmail sanitisers rebuild the tree and a stray tag swallows a section.
func checkBalanced(t *testing.T, page string) {
	t.Helper()
	void := map[string]bool{"meta": true, "br": true, "hr": true, "img": true, "link": true, "input": true}
	var stack []string
	z := html.NewTokenizer(strings.NewReader(page))
	for {
		switch z.Next() {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				t.Fatal(z.Err())
			}
			if len(stack) > 0 {
				t.Errorf("unclosed tags %v", stack)
			}
			return
		case html.StartTagToken:
			if name, _ := z.TagName(); !void[string(name)] {
				stack = append(stack, string(name))
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if len(stack) == 0 || stack[len(stack)-1] != string(name) {
				t.Fatalf("</%s> closes %v", name, stack)
			}
			stack = stack[:len(stack)-1]
		}
	}
}

func parseHTML(t *testing.T, page string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func walk(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func find(n *html.Node, a atom.Atom) []*html.Node {
	var out []*html.Node
	walk(n, func(m *html.Node) {
		if m.Type == html.ElementNode && m.DataAtom == a {
			out = append(out, m)
		}
	})
	return out
}

// textOf is the text a reader sees, word joiners included, whitespace
// collapsed.
func textOf(n *html.Node) string {
	var b strings.Builder
	walk(n, func(m *html.Node) {
		if m.Type == html.TextNode {
			b.WriteString(m.Data)
		}
	})
	return strings.Join(strings.Fields(strings.ReplaceAll(b.String(), "\u00a0", " ")), " ")
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// vendorSection is the cell holding the vendor's heading and invoices.
func vendorSection(t *testing.T, doc *html.Node, vendor string) *html.Node {
	t.Helper()
	for _, h := range find(doc, atom.H2) {
		if strings.HasPrefix(strings.ReplaceAll(textOf(h), wordJoiner, ""), vendor) {
			return h.Parent
		}
	}
	t.Fatalf("no section for %s", vendor)
	return nil
}
