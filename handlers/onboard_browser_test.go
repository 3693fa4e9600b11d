package handlers

import (
	"context"
	"image/color"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/duehub/duehub/branding"
	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/imports"
	"github.com/duehub/duehub/notify"
)

// TestVendorOnboardsInChromium (issue 15): in a real headless Chromium a
// business signs up (a bad field first, marked next to it), confirms from
// the emailed link, creates its first API key, maps the columns of a CSV
// export and imports it with one bad row, then brands itself (a logo, a
// pale accent refused next to the field, a dark one kept); once approved,
// its customer's digest in the outbox carries the logo and the branded
// portal inbox passes axe-core at 375 px. Every page passes axe-core.
func TestVendorOnboardsInChromium(t *testing.T) {
	b := newTab(t)
	ctx := b.ctx
	db := dbtest.SQLite(t)
	brands := branding.NewStore(db.Gorm, time.Now)
	h := newPortalHub(t, db, func(c *Config) { c.Imports = imports.NewStore(db.Gorm, time.Now); c.Branding = brands })
	do, text, landed := b.do, b.text, b.landed

	do("a sign-up with a bad email",
		chromedp.Navigate(h.srv.URL+"/vendor/signup"),
		chromedp.WaitVisible(chromedp.CSS("#f-name")),
		chromedp.SendKeys(chromedp.CSS("#f-name"), "Globex Parts"),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "owner at globex"),
		chromedp.SendKeys(chromedp.CSS("#f-domain"), "billing.globex.example"),
		chromedp.Click(chromedp.CSS("form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#e-email")))
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#f-name"))); v != "Globex Parts" {
		t.Errorf("the company name was not kept: %q", v)
	}
	screenshots(t, ctx, "vendor-signup-error")
	checkAxe(t, ctx, "vendor sign-up with an error")
	do("the corrected sign-up",
		chromedp.SetValue(chromedp.CSS("#f-email"), "owner@globex.example"),
		chromedp.Click(chromedp.CSS("form button[type=submit]")))
	b.waitText("h1", "Check your inbox") // the answer comes to the same address
	tok := h.signupToken("owner@globex.example")
	do("confirm from the link",
		chromedp.Navigate(h.srv.URL+"/vendor/signup/"+tok),
		chromedp.WaitVisible(chromedp.CSS("#create-vendor")))
	checkAxe(t, ctx, "vendor sign-up confirmation")
	do("create the vendor", chromedp.Click(chromedp.CSS("#create-vendor")))
	landed("/vendor/keys?done=signup")
	if page := text("main"); !strings.Contains(page, "waiting for the hub operator's approval") {
		t.Errorf("no approval notice:\n%s", page)
	}
	do("create the first key",
		chromedp.SendKeys(chromedp.CSS("#k-label"), "ERP sync"),
		chromedp.Click(chromedp.CSS("#create-key")),
		chromedp.WaitVisible(chromedp.CSS("#new-key")))
	key, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#new-key")))
	if err != nil || !strings.HasPrefix(key, "dh_live_") {
		t.Fatalf("the shown key is %q (%v)", key, err)
	}
	screenshots(t, ctx, "vendor-keys")
	checkAxe(t, ctx, "vendor API keys")

	file := filepath.Join(t.TempDir(), "export.csv")
	if err := os.WriteFile(file, []byte(exportCSV), 0o600); err != nil {
		t.Fatal(err)
	}
	do("preview the export",
		chromedp.Navigate(h.srv.URL+"/vendor/import"),
		chromedp.WaitVisible(chromedp.CSS("#csv-file")),
		chromedp.SetUploadFiles(chromedp.CSS("#csv-file"), []string{file}),
		chromedp.Click(chromedp.CSS("#preview")),
		chromedp.WaitVisible(chromedp.CSS("#save-mapping")))
	if page := text("main"); !strings.Contains(page, "must be a date") {
		t.Errorf("the preview does not flag the bad row:\n%s", page)
	}
	screenshots(t, ctx, "vendor-import-preview")
	checkAxe(t, ctx, "vendor import preview")
	do("map the two columns the guess missed",
		chromedp.SetValue(chromedp.CSS("#map-number"), "Invoice No"),
		chromedp.SetValue(chromedp.CSS("#map-customer_id"), "Account"),
		chromedp.Click(chromedp.CSS("#save-mapping")))
	landed("done=mapping")
	do("import with the saved mapping",
		chromedp.WaitVisible(chromedp.CSS("#csv-file")),
		chromedp.SetUploadFiles(chromedp.CSS("#csv-file"), []string{file}),
		chromedp.Click(chromedp.CSS("#import")))
	landed("/vendor/import/runs/")
	if c, e := text("#created"), text("#errors"); c != "2" || e != "1" {
		t.Errorf("created %s, errors %s; want 2 and 1", c, e)
	}
	screenshots(t, ctx, "vendor-import-run")
	checkAxe(t, ctx, "vendor import run")

	// Issue 15: branding, then the branded digest and portal.
	logo := filepath.Join(t.TempDir(), "logo.png")
	if err := os.WriteFile(logo, logoPNG(t, 96, 32, color.NRGBA{R: 15, G: 81, B: 50, A: 255}), 0o600); err != nil {
		t.Fatal(err)
	}
	do("upload a logo",
		chromedp.Navigate(h.srv.URL+"/vendor/branding"),
		chromedp.WaitVisible(chromedp.CSS("#b-logo")),
		chromedp.SetUploadFiles(chromedp.CSS("#b-logo"), []string{logo}),
		chromedp.Click(chromedp.CSS("#upload-logo")))
	landed("done=logo")
	do("a pale accent",
		chromedp.WaitVisible(chromedp.CSS("#current-logo")),
		chromedp.SendKeys(chromedp.CSS("#b-accent"), "#ffcc00"),
		chromedp.Click(chromedp.CSS("#save-accent")),
		chromedp.WaitVisible(chromedp.CSS("#e-accent")))
	if msg := text("#e-accent"); !strings.Contains(msg, "4.5:1") {
		t.Errorf("the pale accent's error says %q", msg)
	}
	checkAxe(t, ctx, "vendor branding with an error")
	do("a dark accent",
		chromedp.SetValue(chromedp.CSS("#b-accent"), "#0f5132"),
		chromedp.Click(chromedp.CSS("#save-accent")))
	landed("done=accent")
	screenshots(t, ctx, "vendor-branding")
	checkAxe(t, ctx, "vendor branding")

	var vendorID int64
	if err := db.Gorm.Raw(`SELECT id FROM vendors WHERE name = ?`, "Globex Parts").Scan(&vendorID).Error; err != nil || vendorID == 0 {
		t.Fatalf("the new vendor: %d %v", vendorID, err)
	}
	if _, err := h.vendors.ApproveVendor(context.Background(), vendorID); err != nil {
		t.Fatal(err)
	}
	h.now = h.now.Add(24 * time.Hour) // Tuesday, the default digest day
	runner := bundler.NewRunner(bundler.Config{DB: h.db.Gorm, Payers: h.payers, Vendors: h.vendors,
		Senders: map[notify.Channel]notify.Sender{notify.Email: h.outbox}, Links: h.signer, BaseURL: h.srv.URL,
		From: "hub@hub.example", Now: func() time.Time { return h.now }, Log: quietLog(), Brands: brands})
	if _, err := runner.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	digests := h.mailsTo("ap@acme.example")
	if len(digests) != 1 {
		t.Fatalf("%d digests to ap@acme.example, want 1", len(digests))
	}
	logoURL := regexp.MustCompile(`<img src="(` + regexp.QuoteMeta(h.srv.URL) + `/brand/\d+/[0-9a-f]+\.png)" alt="Globex Parts"`).FindStringSubmatch(digests[0].HTML)
	if logoURL == nil || !strings.Contains(digests[0].HTML, "border-left:4px solid #0f5132") {
		t.Fatalf("the digest in the outbox is not branded:\n%s", digests[0].HTML)
	}
	inboxLink := regexp.MustCompile(`Open all in your inbox:\s+(\S+)`).FindStringSubmatch(digests[0].Text)
	if inboxLink == nil {
		t.Fatalf("no inbox link in the digest:\n%s", digests[0].Text)
	}
	do("the payer's branded inbox on a phone",
		chromedp.EmulateViewport(375, 812),
		chromedp.Navigate(inboxLink[1]),
		chromedp.WaitVisible(chromedp.CSS("img.vendor-logo")))
	if shown, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`[...document.querySelectorAll('img.vendor-logo')].some(i => i.complete && i.naturalWidth === 96)`)); err != nil || !shown {
		t.Errorf("the logo did not load in the portal (%v)", err)
	}
	if over, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); err != nil || over {
		t.Errorf("the branded inbox is wider than a 375 px phone (%v)", err)
	}
	checkAxe(t, ctx, "branded portal inbox at 375 px")
	if shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		os.WriteFile(filepath.Join(artifacts(t), "portal-branded-phone.png"), shot, 0o644)
	}
}
