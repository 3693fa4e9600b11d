package bundler

import (
	"strings"
	"testing"

	"golang.org/x/net/html/atom"
)

// TestRenderEmailBranding (issue 15): a branded vendor's section shows its
// logo (absolute URL, alt = its name) and its accent on the heading; the
// other sections, the plain-text part and the SMS are as without branding.
func TestRenderEmailBranding(t *testing.T) {
	plain := sampleDigest(t)
	_, plainText, plainHTML, err := RenderEmail(plain)
	if err != nil {
		t.Fatal(err)
	}
	plainSMS, err := RenderSMS(plain)
	if err != nil {
		t.Fatal(err)
	}
	branded := sampleDigest(t)
	branded.Vendors[1].LogoURL = "https://hub.example/brand/2/0a1b2c3d4e5f60718293.svg"
	branded.Vendors[1].Accent = "#0f5132"
	_, text, page, err := RenderEmail(branded)
	if err != nil {
		t.Fatal(err)
	}
	if text != plainText {
		t.Error("branding changed the plain-text part")
	}
	if sms, _ := RenderSMS(branded); sms != plainSMS {
		t.Error("branding changed the SMS")
	}
	if strings.Contains(plainHTML, "<img") {
		t.Error("an unbranded digest has an image")
	}
	doc := parseHTML(t, page)
	imgs := find(doc, atom.Img)
	if len(imgs) != 1 {
		t.Fatalf("%d images, want the one logo", len(imgs))
	}
	if src, alt := attr(imgs[0], "src"), attr(imgs[0], "alt"); src != branded.Vendors[1].LogoURL || alt != "Café Roma" {
		t.Errorf("logo src=%q alt=%q", src, alt)
	}
	heads := find(doc, atom.H2)
	for i, h := range heads {
		style := attr(h, "style")
		accented := strings.Contains(style, "#0f5132")
		if strings.HasPrefix(textOf(h), "Café Roma") != accented {
			t.Errorf("heading %d %q: style %q", i, textOf(h), style)
		}
	}
}
