package handlers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/links"
	"github.com/duehub/duehub/vendors"
)

// TestAnalyticsSurfacesInChromium: what issue 12 shows outside the
// analytics page, in headless Chromium at 375 px with axe-core: the
// invoice page asking why after a promise past the due date, with the
// vendor's usual answer time by its conversations; the question after a
// payment reported late; the team page's weekly summary switch; the
// queue's flag of a thread past the vendor's target.
func TestAnalyticsSurfacesInChromium(t *testing.T) {
	b := newTab(t)
	ctx := b.ctx
	h := newPortalHub(t, dbtest.SQLite(t))
	bg := context.Background()
	start := h.now
	north := h.vendor("Northwind Supplies")
	for i := 1; i <= 5; i++ { // five answers in 1 to 5 hours: usually 3 hours
		h.now = start.AddDate(0, 0, -10*i)
		inv := h.invoice(north, "N-Q"+strconvI(int64(i)), "ap@acme.example", 1000, "2026-12-20")
		th, err := h.threads.AskQuestion(bg, h.payerID("ap@acme.example"), inv, "Which PO?")
		if err != nil {
			t.Fatal(err)
		}
		h.now = h.now.Add(time.Duration(i) * time.Hour)
		if _, err := h.threads.VendorReply(bg, north, th.ID, "PO 1"); err != nil {
			t.Fatal(err)
		}
	}
	h.now = start.Add(-30 * time.Hour)
	waiting := h.invoice(north, "N-W", "ap@acme.example", 1000, "2026-12-20")
	if _, err := h.threads.AskQuestion(bg, h.payerID("ap@acme.example"), waiting, "Still waiting"); err != nil {
		t.Fatal(err)
	}
	h.now = start
	late := h.invoice(north, "N-1", "ap@acme.example", 10000, "2026-11-20")
	soon := h.invoice(north, "N-2", "ap@acme.example", 20000, "2026-11-30")
	alice := h.member(north, "alice@northwind.example", vendors.RoleAdmin)
	payer, err := h.payers.Get(bg, h.payerID("ap@acme.example"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := h.signer.Token(links.Link{PayerID: payer.ID, Generation: payer.TokenGeneration, Action: links.ActionInbox})
	if err != nil {
		t.Fatal(err)
	}

	do, text, waitLoc := b.do, b.text, b.waitURL
	do("viewport", chromedp.EmulateViewport(375, 812))
	do("open the portal", chromedp.Navigate(h.srv.URL+"/l/"+tok), chromedp.WaitVisible(chromedp.CSS("h1")))

	// A promise after the due date: asked why, once, beside the usual answer time.
	do("promise", chromedp.Navigate(h.srv.URL+"/portal/invoices/"+strconvI(soon)+"?do=promise#promise"),
		chromedp.WaitVisible(chromedp.CSS("#p-date")), chromedp.SetValue(chromedp.CSS("#p-date"), "2026-12-05"),
		chromedp.Click(chromedp.CSS("#promise form button[type=submit]")))
	waitLoc("the promise's landing", func(loc string) bool { return strings.Contains(loc, "done=promise") })
	do("wait", chromedp.WaitVisible(chromedp.CSS("#late-reason")))
	main := text("main")
	for _, want := range []string{"you promised a date after the due date", "Payment-run timing", "Northwind Supplies usually answers within 3 hours."} {
		if !strings.Contains(main, want) {
			t.Errorf("the invoice page after a late promise lacks %q:\n%s", want, main)
		}
	}
	checkAxe(t, ctx, "the invoice page asking why after a late promise, at 375 px")
	do("answer", chromedp.Click(chromedp.CSS(`#late-reason button[value="payment_run"]`)))
	waitLoc("the answer's thanks", func(loc string) bool { return strings.HasSuffix(loc, "done=late_reason") })
	do("wait", chromedp.WaitVisible(chromedp.CSS("h1")))
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#late-reason').length`)); n != 0 {
		t.Error("the invoice page asks again after the answer")
	}

	// A payment made after the due date: asked why on the page that follows.
	do("report a late payment", chromedp.Navigate(h.srv.URL+"/portal/payments/new?invoice="+strconvI(late)),
		chromedp.WaitVisible(chromedp.CSS("#method")), chromedp.SetValue(chromedp.CSS("#method"), "bank_transfer"),
		chromedp.Click(chromedp.CSS(`form[action="/portal/payments"] button[type=submit]`)))
	waitLoc("the late-payment question", func(loc string) bool { return strings.Contains(loc, "/portal/late-reasons?") })
	do("wait", chromedp.WaitVisible(chromedp.CSS("#late-reason-"+strconvI(late))))
	if main := text("main"); !strings.Contains(main, "Invoice N-1 from Northwind Supplies") || !strings.Contains(main, "Cash flow") {
		t.Errorf("the page after a late payment:\n%s", main)
	}
	checkAxe(t, ctx, "the late-payment question after a payment report, at 375 px")
	if over, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); over {
		t.Error("at 375 px the late-payment question is wider than the screen")
	}
	do("answer", chromedp.Click(chromedp.CSS(`#late-reason-`+strconvI(late)+` button[value="cash_flow"]`)))
	waitLoc("after the last answer, the inbox", func(loc string) bool { return strings.HasSuffix(loc, "/portal?done=late_reason") })

	// The vendor's side: the queue's flag and the weekly summary switch.
	b.signInVendor(h, "alice@northwind.example")
	do("wait", chromedp.WaitVisible(chromedp.CSS("#questions")))
	if q := text("#questions"); strings.Count(q, "Over the reply target (1 business day)") != 1 {
		t.Errorf("the queue flags:\n%s", q)
	}
	checkAxe(t, ctx, "the vendor queue with a thread past target, at 375 px")
	do("team page", chromedp.Navigate(h.srv.URL+"/vendor/members"), chromedp.WaitVisible(chromedp.CSS("#w-h")),
		chromedp.Click(chromedp.CSS(`form[action="/vendor/members/weekly-summary"] button`)))
	waitLoc("after Stop my weekly summary", func(loc string) bool { return strings.HasSuffix(loc, "done=weekly") })
	do("wait", chromedp.WaitVisible(chromedp.CSS("#w-h")))
	if on, err := h.vendors.WeeklySummaryOn(bg, north, alice.ID); err != nil || on {
		t.Errorf("after Stop my weekly summary: on %v, %v", on, err)
	}
	checkAxe(t, ctx, "the team page with the weekly summary switch, at 375 px")
}
