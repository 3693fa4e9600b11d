package handlers

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/vendors"
)

// TestAnalyticsPageInChromium opens the analytics page as a signed-in
// member at phone and desktop widths: the charts and their tables show,
// nothing overflows the phone's width, axe-core finds no violation, and
// the period picker (a plain GET form) switches to another period.
func TestAnalyticsPageInChromium(t *testing.T) {
	b := newTab(t)
	ctx := b.ctx
	db := dbtest.SQLite(t)
	w := newAnalyticsWorld(t, db)
	h := w.h
	h.member(w.north, "alice@northwind.example", vendors.RoleAgent)
	b.signInVendor(h, "alice@northwind.example")
	do := b.do
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
		checkAxe(t, ctx, fmt.Sprintf("the analytics page at %d px", size.w))
	}
	screenshots(t, ctx, "vendor-analytics")

	do("pick the last 30 days", chromedp.SetValue(chromedp.CSS("#a-range"), "30"),
		chromedp.Click(chromedp.CSS("form.picker button[type=submit]")))
	b.waitURL("the picker switches the period", func(loc string) bool { return strings.Contains(loc, "range=30") })
	do("wait", chromedp.WaitVisible(chromedp.CSS("#h-aging")))
	lede, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".lede")))
	if !strings.Contains(lede, "from 2026-10-25 to 2026-11-23") {
		t.Errorf("after picking 30 days: %q", lede)
	}
}
