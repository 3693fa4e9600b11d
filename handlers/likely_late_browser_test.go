package handlers

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/risk"
	"github.com/duehub/duehub/vendors"
)

// TestLikelyLatePageInChromium (issue 16) opens the Likely late queue as a
// signed-in member at phone and desktop widths: the late customer's
// invoice shows with its reasons, nothing overflows the phone's width, and
// axe-core finds no violation.
func TestLikelyLatePageInChromium(t *testing.T) {
	b := newTab(t)
	ctx := b.ctx
	db := dbtest.SQLite(t)
	var store *risk.Store
	h := newPortalHub(t, db, func(c *Config) {
		store = risk.NewStore(db.Gorm, c.Now)
		c.Risk = store
	})
	a := h.vendor("Alpha Supplies")
	h.member(a, "ann@alpha.example", vendors.RoleAgent)
	pushRiskHistory(t, h.vendors, a, h.now, 60, []string{"late@acme.example", "early@globex.example", "prompt@initech.example",
		"slow@umbrella.example"}, []int{20, -5, 2, 12})
	if err := store.SetEarly(context.Background(), a, risk.EarlyPolicy{Enabled: true, Threshold: 0.6, Days: 7}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Retrain(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	b.signInVendor(h, "ann@alpha.example")
	do := b.do
	do("open the queue", chromedp.Navigate(h.srv.URL+"/vendor/likely-late"), chromedp.WaitVisible(chromedp.CSS("table")))
	main, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Likely late", "O0", "USD 100.00", "Usually pays 20 days after the due date", "From "} {
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
		checkAxe(t, ctx, fmt.Sprintf("the Likely late page at %d px", size.w))
	}
}
