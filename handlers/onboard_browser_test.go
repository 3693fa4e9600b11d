package handlers

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/imports"
)

// TestVendorOnboardsInChromium (issue 15): in a real headless Chromium a
// business signs up (a bad field first, marked next to it), confirms from
// the emailed link, creates its first API key, maps the columns of a CSV
// export and imports it with one bad row; every page passes axe-core.
func TestVendorOnboardsInChromium(t *testing.T) {
	ctx := browserContext(t)
	db := dbtest.SQLite(t)
	h := newPortalHub(t, db, func(c *Config) { c.Imports = imports.NewStore(db.Gorm, time.Now) })
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(tctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	landed := func(want string) {
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if loc, err := chromedp.Run(ctx, chromedp.Location()); err == nil && strings.Contains(loc, want) {
				do("wait for the page after "+want, chromedp.WaitVisible(chromedp.CSS("h1")))
				return
			}
		}
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("never reached %q; at %s:\n%s", want, loc, text("main"))
	}

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
		chromedp.Click(chromedp.CSS("form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("h1")))
	if got := text("h1"); got != "Check your inbox" {
		t.Fatalf("after signing up the page says %q", got)
	}
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
}
