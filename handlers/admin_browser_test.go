package handlers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/duehub/duehub/admins"
	"github.com/duehub/duehub/database/dbtest"
)

// TestOperatorConsoleInChromium (issue 15): an operator signs in from the
// magic link in the dev outbox, suspends a vendor with a reason (the error
// shows next to the field first), finds a payer and lifts a suppression, in
// a real headless Chromium; every console page is axe-clean and fits a
// 375 px phone.
func TestOperatorConsoleInChromium(t *testing.T) {
	b := newTab(t)
	ctx := b.ctx
	db := dbtest.SQLite(t)
	h := newPortalHub(t, db, withConsole(db))
	bg := context.Background()
	north := h.vendor("Northwind Supplies")
	h.invoice(north, "N-1", "ap@acme.example", 125000, "2026-11-16")
	if err := h.payers.Suppress(bg, "email", "bounced@acme.example", "bounce", "550 mailbox unavailable"); err != nil {
		t.Fatal(err)
	}
	if _, err := admins.NewStore(db.Gorm, nil).Create(bg, "ops@hub.example"); err != nil {
		t.Fatal(err)
	}
	do, text := b.do, b.text
	landed := func(want string) { // the console's pages are prefixes of each other
		t.Helper()
		b.waitURL("never reached "+want, func(loc string) bool { return strings.HasSuffix(loc, want) })
		do("wait for "+want, chromedp.WaitVisible(chromedp.CSS("h1")))
	}
	fits := func(page string) {
		t.Helper()
		do("a phone", chromedp.EmulateViewport(375, 812))
		over, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
		if over {
			wide, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > window.innerWidth).slice(0, 8).map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right))`))
			t.Logf("wide: %v", wide)
		}
		if err != nil || over {
			t.Errorf("%s is wider than a 375 px phone (%v)", page, err)
		}
		do("a desktop", chromedp.EmulateViewport(1280, 900))
	}

	do("ask for a sign-in link",
		chromedp.Navigate(h.srv.URL+"/admin"),
		chromedp.WaitVisible(chromedp.CSS("#email")))
	checkAxe(t, ctx, "operator sign-in")
	do("send the address",
		chromedp.SendKeys(chromedp.CSS("#email"), "ops@hub.example"),
		chromedp.Click(chromedp.CSS("form button[type=submit]")))
	var link string
	for deadline := time.Now().Add(15 * time.Second); link == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, m := range h.mailsTo("ops@hub.example") {
			if found := adminLinkRE.FindString(m.Text); found != "" {
				link = found
			}
		}
	}
	if link == "" {
		t.Fatal("no operator sign-in link in the outbox")
	}
	do("open the link and sign in", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#signin")))
	checkAxe(t, ctx, "operator sign-in confirmation")
	do("press the button", chromedp.Click(chromedp.CSS("#signin")))
	landed("/admin")
	if got := text("#vendor-" + strconvI(north)); !strings.Contains(got, "Northwind Supplies") || !strings.Contains(got, "active") {
		t.Errorf("the vendor row says %q", got)
	}
	checkAxe(t, ctx, "operator console")
	fits("the console")

	sel := "#reason-" + strconvI(north)
	do("suspend without a reason", chromedp.Click(chromedp.CSS("#vendor-"+strconvI(north)+" button[type=submit]")))
	landed("/suspend")
	if got := text("#vendor-" + strconvI(north)); !strings.Contains(got, "Reason is required") {
		t.Errorf("no error next to the reason: %q", got)
	}
	checkAxe(t, ctx, "console with a form error")
	do("suspend with a reason",
		chromedp.SendKeys(chromedp.CSS(sel), "Chargebacks under review"),
		chromedp.Click(chromedp.CSS("#vendor-"+strconvI(north)+" button[type=submit]")))
	landed("done=suspend")
	if got := text("#vendor-" + strconvI(north)); !strings.Contains(got, "suspended") || !strings.Contains(got, "Chargebacks under review") {
		t.Errorf("after suspending the row says %q", got)
	}

	do("find a payer",
		chromedp.Navigate(h.srv.URL+"/admin/payers"),
		chromedp.WaitVisible(chromedp.CSS("#q")),
		chromedp.SendKeys(chromedp.CSS("#q"), "ap@acme.example"),
		chromedp.Click(chromedp.CSS("form[role=search] button")))
	landed("q=ap%40acme.example")
	if got := text("main"); !strings.Contains(got, "Northwind Supplies") || !strings.Contains(got, "Erase this payer") {
		t.Errorf("the payer page lacks the vendor or the erase button:\n%s", got)
	}
	checkAxe(t, ctx, "payer lookup")
	fits("the payer lookup")

	do("open suppressions", chromedp.Navigate(h.srv.URL+"/admin/suppressions"), chromedp.WaitVisible(chromedp.CSS("h1")))
	checkAxe(t, ctx, "suppressions")
	fits("the suppressions")
	do("lift it",
		chromedp.SendKeys(chromedp.CSS("main form.inline input[name=reason]"), "The payer's mailbox works again"),
		chromedp.Click(chromedp.CSS("main form.inline button")))
	landed("done=lift")
	if got := text("main"); strings.Contains(got, "bounced@acme.example") {
		t.Error("the lifted suppression is still listed")
	}

	do("open the audit log", chromedp.Navigate(h.srv.URL+"/admin/audit"), chromedp.WaitVisible(chromedp.CSS("h1")))
	if got := text("main"); !strings.Contains(got, "suppression.lifted") || !strings.Contains(got, "vendor.suspended") || !strings.Contains(got, "admin.signin") {
		t.Errorf("the audit log lacks an action:\n%s", got)
	}
	checkAxe(t, ctx, "audit log")
	fits("the audit log")
}
