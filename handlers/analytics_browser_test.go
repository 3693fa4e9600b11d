package handlers

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/vendors"
)

// axeSource is axe-core's axe.min.js, from DUEHUB_AXE (.ci/run installs
// it). In CI a missing file fails the test; elsewhere it skips loudly.
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("DUEHUB_AXE")
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("DUEHUB_AXE is not set: .ci/run installs axe-core and sets it")
		}
		t.Skip("SKIPPING axe-core check: npm install axe-core and set DUEHUB_AXE to its axe.min.js")
	}
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("DUEHUB_AXE: %v", err)
	}
	return string(src)
}

type axeViolation struct {
	ID    string `json:"id"`
	Help  string `json:"help"`
	Nodes []struct {
		Target []any `json:"target"`
	} `json:"nodes"`
}

// axeCheck runs axe-core (WCAG 2 A and AA rules) on the current page.
// DevTools evaluation is not subject to the page's CSP, which forbids scripts.
func axeCheck(t *testing.T, ctx context.Context, src, where string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](src+";0")); err != nil {
		t.Fatalf("inject axe-core: %v", err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}).then(r => JSON.stringify(r.violations))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run axe-core: %v", err)
	}
	var violations []axeViolation
	if err := json.Unmarshal([]byte(raw), &violations); err != nil {
		t.Fatalf("axe-core result %q: %v", raw, err)
	}
	for _, v := range violations {
		t.Errorf("%s: axe-core %s (%s) at %v", where, v.ID, v.Help, v.Nodes)
	}
}

// TestAnalyticsPageInChromium opens the analytics page as a signed-in
// member at phone and desktop widths: the charts and their tables show,
// nothing overflows the phone's width, axe-core finds no violation, and
// the period picker (a plain GET form) switches to another period.
func TestAnalyticsPageInChromium(t *testing.T) {
	axe := axeSource(t)
	ctx := browserContext(t)
	db := dbtest.SQLite(t)
	w := newAnalyticsWorld(t, db)
	h := w.h
	h.member(w.north, "alice@northwind.example", vendors.RoleAgent)
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(tctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	do("ask for a sign-in link", chromedp.Navigate(h.srv.URL+"/vendor"), chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "alice@northwind.example"),
		chromedp.Click(chromedp.CSS("form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("h1")))
	var link string
	for deadline := time.Now().Add(15 * time.Second); link == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, m := range h.mailsTo("alice@northwind.example") {
			if found := signinLinkRE.FindString(m.Text); found != "" {
				link = found
			}
		}
	}
	if link == "" {
		t.Fatal("no sign-in link in the outbox")
	}
	do("sign in", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#signin")), chromedp.Click(chromedp.CSS("#signin")))
	waitFor := func(what string, ok func(loc string) bool) {
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			if ok(loc) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: still at %s", what, loc)
			}
		}
	}
	waitFor("signed in", func(loc string) bool { return strings.HasSuffix(loc, "/vendor") })
	do("open the analytics page", chromedp.Navigate(h.srv.URL+"/vendor/analytics?"+analyticsPeriod),
		chromedp.WaitVisible(chromedp.CSS("#h-aging")))
	main, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Collection", "USD", "31-60", "USD 123.45", "2026-09", "Download as CSV"} {
		if !strings.Contains(main, want) {
			t.Errorf("the page lacks %q:\n%s", want, main)
		}
	}
	for _, size := range []struct{ w, h int64 }{{375, 812}, {1280, 900}} {
		do("viewport", chromedp.EmulateViewport(size.w, size.h))
		over, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
		if err != nil || over {
			t.Errorf("at %d px the page is wider than the screen (%v)", size.w, err)
		}
		charts, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll('svg.chart')].filter(s => s.getBoundingClientRect().width > 200).length`))
		if err != nil || charts < 2 {
			t.Errorf("at %d px %d charts are drawn (%v)", size.w, charts, err)
		}
		axeCheck(t, ctx, axe, "analytics page")
	}
	screenshots(t, ctx, "vendor-analytics")

	do("pick the last 30 days", chromedp.SetValue(chromedp.CSS("#a-range"), "30"),
		chromedp.Click(chromedp.CSS("form.picker button[type=submit]")))
	waitFor("the picker switches the period", func(loc string) bool { return strings.Contains(loc, "range=30") })
	do("wait", chromedp.WaitVisible(chromedp.CSS("#h-aging")))
	lede, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".lede")))
	if !strings.Contains(lede, "from 2026-10-25 to 2026-11-23") {
		t.Errorf("after picking 30 days: %q", lede)
	}
}
