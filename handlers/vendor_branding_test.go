package handlers

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/branding"
	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/vendors"
)

// uploadLogo posts a logo as the branding form does, CSRF token first in
// the body (from the page at from, which a non-admin can still read).
func (b *browser) uploadLogo(from, filename string, content []byte) webPage {
	b.h.t.Helper()
	csrf := csrfOf(b.h.t, b.get(from).body)
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("csrf", csrf)
	fw, _ := w.CreateFormFile("logo", filename)
	fw.Write(content)
	w.Close()
	resp, err := b.client.Post(b.h.srv.URL+"/vendor/branding/logo", w.FormDataContentType(), &body)
	if err != nil {
		b.h.t.Fatal(err)
	}
	return readWebPage(b.h.t, resp)
}

// logoPNG is a w×h PNG in the given colour.
func logoPNG(t testing.TB, w, h int, c color.NRGBA) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const logoSVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40"><rect width="120" height="40" fill="#0f5132"/><text x="8" y="28" fill="#fff">NW</text></svg>`

var logoPath = regexp.MustCompile(`/brand/\d+/[0-9a-f]+\.(png|svg)`)

// TestVendorBranding (issue 15, both databases): only an admin sets the
// vendor's logo and accent, each refused with the reason next to its field
// when too big, of the wrong type, hostile or too pale; the hub serves the
// current logo with its type, nosniff, a script-free CSP and for good, and
// a replaced or removed one no more; the payer sees the branding on that
// vendor's section and invoice only, and the digest email carries it.
func TestVendorBranding(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		var store *branding.Store
		h := newPortalHub(t, db, func(c *Config) {
			store = branding.NewStore(db.Gorm, time.Now)
			c.Branding = store
		})
		north := h.vendor("Northwind Supplies")
		contoso := h.vendor("Contoso Paper")
		h.member(north, "ada@northwind.example", vendors.RoleAdmin)
		h.member(north, "bo@northwind.example", vendors.RoleAgent)
		h.member(contoso, "cy@contoso.example", vendors.RoleAdmin)
		h.invoice(north, "N-1", "ap@acme.example", 125000, "2026-11-20")
		h.invoice(contoso, "C-1", "ap@acme.example", 9900, "2026-11-21")
		admin := h.vendorSignIn("ada@northwind.example")
		agent := h.vendorSignIn("bo@northwind.example")
		rival := h.vendorSignIn("cy@contoso.example")
		anyone := h.browser()

		// Not an admin: neither the page nor any change.
		if r := agent.get("/vendor/branding"); r.status != http.StatusForbidden {
			t.Errorf("an agent opened the branding page: %d", r.status)
		}
		if r := agent.uploadLogo("/vendor", "logo.svg", []byte(logoSVG)); r.status != http.StatusForbidden {
			t.Errorf("an agent uploaded a logo: %d", r.status)
		}
		if r := agent.post("/vendor/branding/accent", url.Values{"accent": {"#0f5132"}}, "/vendor"); r.status != http.StatusForbidden {
			t.Errorf("an agent set the accent: %d", r.status)
		}
		if n := h.count("vendor_brandings", "1 = 1"); n != 0 {
			t.Fatalf("refused changes stored %d rows", n)
		}

		// Refused uploads, each with its reason next to the field.
		for name, c := range map[string]struct {
			file string
			data []byte
			want string
		}{
			"wrong type":   {"logo.gif", []byte("GIF89a\x10\x00\x10\x00"), "must be a PNG or an SVG image"},
			"png renamed":  {"logo.png", []byte("<html><body>hi</body></html>"), "is not an SVG image"},
			"too big":      {"logo.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><desc>` + strings.Repeat("x", 300<<10) + `</desc></svg>`), "is larger than 256 KB"},
			"hostile svg":  {"logo.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"/>`), "has an event handler (onload)"},
			"external use": {"logo.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><use href="https://evil.example/a.svg#x"/></svg>`), "refers to something outside the file"},
			"too large":    {"logo.png", logoPNG(t, 2000, 20, color.NRGBA{A: 255}), "at most 1024×1024"},
		} {
			r := admin.uploadLogo("/vendor/branding", c.file, c.data)
			if r.status != http.StatusUnprocessableEntity {
				t.Errorf("%s: status %d", name, r.status)
				continue
			}
			mustContain(t, name, r.body, `id="e-logo"`, `aria-invalid="true"`, c.want)
		}
		if n := h.count("vendor_brandings", "1 = 1"); n != 0 {
			t.Fatalf("refused uploads stored %d rows", n)
		}

		// A PNG, then an SVG replacing it.
		if r := admin.uploadLogo("/vendor/branding", "logo.png", logoPNG(t, 64, 32, color.NRGBA{R: 15, G: 81, B: 50, A: 255})); r.status != http.StatusSeeOther {
			t.Fatalf("upload a PNG: %d %s", r.status, r.body)
		}
		pngPath := logoPath.FindString(admin.get("/vendor/branding").body)
		if !strings.HasPrefix(pngPath, "/brand/"+strconvI(north)+"/") || !strings.HasSuffix(pngPath, ".png") {
			t.Fatalf("the branding page shows logo %q", pngPath)
		}
		r := anyone.get(pngPath)
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "image/png" || r.header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.Contains(r.header.Get("Cache-Control"), "immutable") {
			t.Errorf("GET %s: %d %v", pngPath, r.status, r.header)
		}
		if r := admin.uploadLogo("/vendor/branding", "logo.svg", []byte(logoSVG)); r.status != http.StatusSeeOther {
			t.Fatalf("upload an SVG: %d %s", r.status, r.body)
		}
		svgPath := logoPath.FindString(admin.get("/vendor/branding").body)
		r = anyone.get(svgPath)
		if csp := r.header.Get("Content-Security-Policy"); r.status != http.StatusOK || r.header.Get("Content-Type") != "image/svg+xml" ||
			!strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script") || r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: %d %v", svgPath, r.status, r.header)
		}
		if r := anyone.get(pngPath); r.status != http.StatusNotFound {
			t.Errorf("the replaced PNG is still served: %d", r.status)
		}

		// Another vendor's admin changes only their own vendor.
		if r := rival.uploadLogo("/vendor/branding", "c.png", logoPNG(t, 32, 32, color.NRGBA{B: 120, A: 255})); r.status != http.StatusSeeOther {
			t.Fatalf("rival upload: %d", r.status)
		}
		if r := rival.post("/vendor/branding/accent", url.Values{"accent": {"#5b21b6"}}, "/vendor/branding"); r.status != http.StatusSeeOther {
			t.Fatalf("rival accent: %d", r.status)
		}
		rivalPath := logoPath.FindString(rival.get("/vendor/branding").body)
		if !strings.HasPrefix(rivalPath, "/brand/"+strconvI(contoso)+"/") || rivalPath == svgPath {
			t.Errorf("the rival's page shows %q", rivalPath)
		}
		if r := anyone.get(strings.Replace(svgPath, "/brand/"+strconvI(north)+"/", "/brand/"+strconvI(contoso)+"/", 1)); r.status != http.StatusNotFound {
			t.Errorf("Northwind's logo is served under Contoso: %d", r.status)
		}
		if r := anyone.get(svgPath); r.status != http.StatusOK {
			t.Errorf("Northwind's logo is gone after Contoso's upload: %d", r.status)
		}

		// The accent: a pale one refused next to the field, a dark one kept.
		r = admin.post("/vendor/branding/accent", url.Values{"accent": {"#ffcc00"}}, "/vendor/branding")
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("pale accent: %d", r.status)
		}
		mustContain(t, "the pale accent", r.body, `id="e-accent"`, "1.38:1", "4.5:1", `value="#ffcc00"`)
		if r := admin.post("/vendor/branding/accent", url.Values{"accent": {"#0F5132"}}, "/vendor/branding"); r.status != http.StatusSeeOther {
			t.Fatalf("accent: %d %s", r.status, r.body)
		}
		if b, _ := store.Get(context.Background(), north); b.Accent != "#0f5132" {
			t.Errorf("stored accent %q", b.Accent)
		}
		// Every change is in the vendor's audit log, with who made it; the
		// refused ones are not.
		if got := auditedOf(t, h, north); got != "branding.logo_set ada@northwind.example png, branding.logo_set ada@northwind.example svg, "+
			"branding.accent_set ada@northwind.example accent #0f5132" {
			t.Errorf("Northwind's audit log: %s", got)
		}

		// The payer sees each vendor's own branding on its section.
		payer := h.signIn("ap@acme.example")
		inbox := payer.get("/portal").body
		section := func(vendorID int64) string {
			i := strings.Index(inbox, `aria-labelledby="vendor-`+strconvI(vendorID)+`"`)
			if i < 0 {
				t.Fatalf("no section of vendor %d:\n%s", vendorID, inbox)
			}
			s := inbox[i:]
			if j := strings.Index(s[1:], "<section"); j >= 0 {
				s = s[:j+1]
			}
			return s
		}
		mustContain(t, "Northwind's section", section(north), `src="`+svgPath+`"`, "border-top:4px solid #0f5132", "color:#0f5132")
		mustNotContain(t, "Northwind's section", section(north), rivalPath, "#5b21b6")
		mustContain(t, "Contoso's section", section(contoso), `src="`+rivalPath+`"`, "#5b21b6")
		invoicePage := payer.get("/portal/invoices/" + strconvI(h.invoice(north, "N-1", "ap@acme.example", 125000, "2026-11-20"))).body
		mustContain(t, "Northwind's invoice page", invoicePage, `src="`+svgPath+`"`, "border-left:4px solid #0f5132")

		// The digest email carries the logo, absolute, named by the vendor.
		h.now = h.now.Add(24 * time.Hour)
		runner := bundler.NewRunner(bundler.Config{DB: h.db.Gorm, Payers: h.payers, Vendors: h.vendors,
			Senders: map[notify.Channel]notify.Sender{notify.Email: h.outbox}, Links: h.signer, BaseURL: h.srv.URL,
			From: "hub@hub.example", Now: func() time.Time { return h.now }, Log: quietLog(), Brands: store})
		if _, err := runner.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		msgs := h.mailsTo("ap@acme.example")
		if len(msgs) != 1 {
			t.Fatalf("%d digests, want 1", len(msgs))
		}
		mustContain(t, "the digest email", msgs[0].HTML, `<img src="`+h.srv.URL+svgPath+`" alt="Northwind Supplies"`,
			`<img src="`+h.srv.URL+rivalPath+`" alt="Contoso Paper"`, "color:#0f5132; border-left:4px solid #0f5132")
		mustNotContain(t, "the digest text", msgs[0].Text, "/brand/")

		// A removed logo is no longer served or shown (a day later: signed in again).
		admin, payer = h.vendorSignIn("ada@northwind.example"), h.signIn("ap@acme.example")
		if r := admin.post("/vendor/branding/logo/remove", nil, "/vendor/branding"); r.status != http.StatusSeeOther {
			t.Fatalf("remove: %d", r.status)
		}
		if r := anyone.get(svgPath); r.status != http.StatusNotFound {
			t.Errorf("a removed logo is still served: %d", r.status)
		}
		inbox = payer.get("/portal").body
		mustNotContain(t, "Northwind's section without a logo", section(north), "<img")
		mustContain(t, "Northwind's section without a logo", section(north), "color:#0f5132")
		for _, bad := range []string{"/brand/x/abc.svg", "/brand/" + strconvI(north) + "/abc.gif", "/brand/" + strconvI(north) + "/abc"} {
			if r := anyone.get(bad); r.status != http.StatusNotFound {
				t.Errorf("GET %s: %d", bad, r.status)
			}
		}
	})
}

// auditedOf lists the vendor's audit rows in order as "action actor
// detail", the detail cut at its first space-separated hash.
func auditedOf(t *testing.T, h *portalHub, vendorID int64) string {
	t.Helper()
	var rows []struct{ Action, Actor, Detail string }
	if err := h.db.Gorm.Raw(`SELECT action, actor, detail FROM audit_log WHERE vendor_id = ? AND action LIKE 'branding.%' ORDER BY id`, vendorID).
		Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		detail, _, _ := strings.Cut(r.Detail, " ")
		if strings.HasPrefix(r.Detail, "accent ") {
			detail = r.Detail
		}
		out[i] = strings.TrimSpace(r.Action + " " + r.Actor + " " + detail)
	}
	return strings.Join(out, ", ")
}
