package branding

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
)

const goodSVG = `<?xml version="1.0" encoding="UTF-8"?>
<!-- made by hand -->
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" viewBox="0 0 100 40" width="100" height="40" inkscape:version="1.3">
  <metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></metadata>
  <title>Northwind</title>
  <defs><linearGradient id="g1"><stop offset="0" stop-color="#1f4e79"/><stop offset="1" style="stop-color:#0f5132"/></linearGradient></defs>
  <path id="p1" d="M0 0h100v40H0z" fill="url(#g1)" class="cls-1"/>
  <use xlink:href="#p1" transform="scale(.5)"/>
  <text x="4" y="30" style="fill:#fff;font-size:20px">North &amp; wind</text>
</svg>`

func TestSanitizeSVGKeepsDrawing(t *testing.T) {
	out, err := SanitizeSVG([]byte(goodSVG))
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 40" width="100" height="40">`,
		`<title>Northwind</title>`, `fill="url(#g1)"`, `<use href="#p1" transform="scale(.5)"/>`,
		`<stop offset="1" stop-color="#0f5132"/>`, `fill="#fff" font-size="20px">North &amp; wind</text>`} {
		if !strings.Contains(s, want) {
			t.Errorf("sanitised SVG lacks %s:\n%s", want, s)
		}
	}
	for _, gone := range []string{"metadata", "inkscape", "rdf", "class=", "<!--", "<?xml", "xlink"} {
		if strings.Contains(s, gone) {
			t.Errorf("sanitised SVG keeps %s:\n%s", gone, s)
		}
	}
	again, err := SanitizeSVG(out)
	if err != nil || !bytes.Equal(again, out) {
		t.Errorf("sanitising twice changes the SVG (%v):\n%s\n%s", err, out, again)
	}
}

// TestSanitizeSVGRefusesHostile: every way an SVG could run script, fetch
// something or blow up the parser is refused, with a reason.
func TestSanitizeSVGRefusesHostile(t *testing.T) {
	const open = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">`
	for name, c := range map[string]struct{ svg, why string }{
		"script":             {open + `<script>alert(1)</script></svg>`, "script"},
		"script in metadata": {open + `<metadata><script xmlns="http://www.w3.org/1999/xhtml">alert(1)</script></metadata></svg>`, "script"},
		"prefixed script":    {`<s:svg xmlns:s="http://www.w3.org/2000/svg"><s:script>alert(1)</s:script></s:svg>`, "script"},
		"onload":             {`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`, "event handler"},
		"onclick upper":      {open + `<rect ONCLICK="alert(1)"/></svg>`, "event handler"},
		"javascript href":    {open + `<use href="javascript:alert(1)"/></svg>`, "outside the file"},
		"javascript xlink":   {open + `<use xlink:href=" JaVaScRiPt:alert(1)"/></svg>`, "outside the file"},
		"external use":       {open + `<use href="https://evil.example/sprite.svg#a"/></svg>`, "outside the file"},
		"data use":           {open + `<use xlink:href="data:image/svg+xml;base64,PHN2Zz4="/></svg>`, "outside the file"},
		"external url fill":  {open + `<rect fill="url(https://evil.example/x.svg#g)"/></svg>`, "outside the file"},
		"url in style":       {open + `<rect style="fill:url( 'http://evil.example/a' )"/></svg>`, "outside the file"},
		"import in style":    {open + `<rect style="@import url(//evil.example/x.css)"/></svg>`, "style"},
		"style sheet":        {open + `<style>rect{fill:url(http://evil.example/)}</style></svg>`, "style"},
		"foreignObject":      {open + `<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject></svg>`, "foreignObject"},
		"link":               {open + `<a href="https://evil.example"><rect/></a></svg>`, "link"},
		"image":              {open + `<image href="https://evil.example/track.png"/></svg>`, "image"},
		"animate href":       {open + `<use href="#a"><set attributeName="href" to="javascript:alert(1)"/></use></svg>`, "animation"},
		"doctype":            {`<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">` + open + `</svg>`, "DOCTYPE"},
		"entity expansion":   {`<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>` + open + `<text>&b;</text></svg>`, "DOCTYPE"},
		"undeclared entity":  {open + `<text>&xxe;</text></svg>`, "well-formed"},
		"external entity":    {`<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>` + open + `<text>&x;</text></svg>`, "DOCTYPE"},
		"html root":          {`<html><body><svg xmlns="http://www.w3.org/2000/svg"/></body></html>`, "not an SVG"},
		"no namespace":       {`<svg><rect/></svg>`, "not an SVG"},
		"two roots":          {open + `</svg>` + open + `</svg>`, "more than one root"},
		"unclosed":           {open + `<g><rect/>`, "well-formed"},
		"text after":         {open + `</svg>hello`, "outside"},
		"utf-16 declaration": {`<?xml version="1.0" encoding="UTF-16"?>` + open + `</svg>`, "well-formed"},
		"data in fill":       {open + `<rect fill="data:text/html,x"/></svg>`, "data"},
		"too deep":           {open + strings.Repeat("<g>", 40) + strings.Repeat("</g>", 40) + `</svg>`, "deep"},
		"too large":          {open + `<desc>` + strings.Repeat("x", MaxLogoBytes) + `</desc></svg>`, "larger"},
	} {
		t.Run(name, func(t *testing.T) {
			out, err := SanitizeSVG([]byte(c.svg))
			if !errors.Is(err, ErrLogo) || !strings.Contains(err.Error(), c.why) {
				t.Fatalf("SanitizeSVG = %q, %v; want a refusal saying %q", out, err, c.why)
			}
		})
	}
}

// FuzzSanitizeSVG: whatever the input, an accepted SVG parses again, holds
// only allow-listed elements and attributes with no handler, script or
// outside reference, and sanitising it again changes nothing.
func FuzzSanitizeSVG(f *testing.F) {
	f.Add([]byte(goodSVG))
	f.Add([]byte(`<svg xmlns="http://www.w3.org/2000/svg"><rect onload="x" style="fill:red"/></svg>`))
	f.Add([]byte(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:l="http://www.w3.org/1999/xlink"><use l:href="#a"/><text>&lt;script&gt;</text></svg>`))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "b">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>`))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := SanitizeSVG(in)
		if err != nil {
			if !errors.Is(err, ErrLogo) {
				t.Fatalf("error not wrapping ErrLogo: %v", err)
			}
			return
		}
		d := xml.NewDecoder(bytes.NewReader(out))
		d.Strict = true
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("output does not parse: %v\n%s", err, out)
			}
			switch tk := tok.(type) {
			case xml.StartElement:
				if tk.Name.Space != svgNS || !svgElements[tk.Name.Local] {
					t.Fatalf("output holds element %v:\n%s", tk.Name, out)
				}
				for _, a := range tk.Attr {
					v := strings.ToLower(a.Value)
					ok := svgAttrs[a.Name.Local] || a.Name.Local == "href" || a.Name.Local == "xmlns"
					if !ok || a.Name.Space != "" && a.Name.Local != "xmlns" || strings.Contains(v, "javascript:") ||
						a.Name.Local == "href" && !strings.HasPrefix(v, "#") {
						t.Fatalf("output holds attribute %v=%q:\n%s", a.Name, a.Value, out)
					}
				}
			case xml.Directive, xml.ProcInst:
				t.Fatalf("output holds %T:\n%s", tok, out)
			}
		}
		again, err := SanitizeSVG(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("not idempotent (%v):\n%s\n%s", err, out, again)
		}
	})
}
