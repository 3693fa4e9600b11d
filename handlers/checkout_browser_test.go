package handlers

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/duehub/duehub/checkout/checkouttest"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/links"
)

// TestCheckoutInChromium (issue 17): on a 375 px phone a payer ticks two
// vendors' invoices in the inbox, presses Pay online, sees the split per
// vendor and the fee before paying, and is sent to Stripe; Stripe's
// webhook then shows the payment as paid on the page Stripe returns to.
// Both pages pass axe-core and fit the phone.
func TestCheckoutInChromium(t *testing.T) {
	b := newTab(t)
	ctx := b.ctx
	db := dbtest.SQLite(t)
	h, store, mock := newCheckoutHub(t, db, 150)
	bg := context.Background()
	north, contoso, plain := h.vendor("Northwind Supplies"), h.vendor("Contoso Paper"), h.vendor("Plain Goods")
	connect(t, h, store, north)
	connect(t, h, store, contoso)
	n1 := h.invoice(north, "N-1", "ap@acme.example", 125000, "2026-11-16")
	c1 := h.invoice(contoso, "C-1", "ap@acme.example", 40000, "2026-11-30")
	h.invoice(plain, "P-1", "ap@acme.example", 9900, "2026-11-30")
	p, err := h.payers.Get(bg, h.payerID("ap@acme.example"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := h.signer.Token(links.Link{PayerID: p.ID, Generation: p.TokenGeneration, Action: links.ActionInbox})
	if err != nil {
		t.Fatal(err)
	}
	do := b.do
	fits := func(page string) {
		t.Helper()
		over, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
		if err != nil || over {
			t.Errorf("%s is wider than a 375 px phone (%v)", page, err)
		}
	}
	do("open the inbox on a phone", chromedp.EmulateViewport(375, 812), chromedp.Navigate(h.srv.URL+"/l/"+tok),
		chromedp.WaitVisible(chromedp.CSS("#pick-"+itoa(n1))))
	do("tick two vendors' invoices and pay online",
		chromedp.Click(chromedp.CSS("#pick-"+itoa(n1))), chromedp.Click(chromedp.CSS("#pick-"+itoa(c1))),
		chromedp.Click(chromedp.CSS(`button[formaction="/portal/checkout"]`)),
		chromedp.WaitVisible(chromedp.CSS("#split")))
	split, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#split + table")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Northwind Supplies", "USD 1,250.00", "Contoso Paper", "USD 400.00",
		"duehub service fee (1.5 %)", "USD 24.75", "USD 1,674.75"} {
		if !strings.Contains(split, want) {
			t.Errorf("the split lacks %q:\n%s", want, split)
		}
	}
	disabled, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`Array.from(document.querySelectorAll('input[name=invoice]')).some(e => e.disabled)`))
	if !disabled {
		t.Error("the vendor without Stripe can be ticked")
	}
	checkAxe(t, ctx, "pay online")
	fits("pay online")

	// Paying leaves for Stripe (unreachable here): the session was asked for.
	do("pay with Stripe", chromedp.Click(chromedp.CSS(`form[action="/portal/checkout"] button[type=submit]`)))
	var sessionID string
	for deadline := time.Now().Add(15 * time.Second); sessionID == ""; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no Checkout Session was created")
		}
		db.Gorm.Raw("SELECT COALESCE(session_id, '') FROM checkouts").Scan(&sessionID)
	}
	if n := len(mock.Requests("POST", "/v1/checkout/sessions")); n != 1 {
		t.Fatalf("%d Checkout Sessions created, want 1", n)
	}
	event := checkouttest.SessionCompleted("evt_browser", sessionID, "pi_browser")
	if _, err := store.Receive(bg, event, checkouttest.Sign(event, stripeWebhookSecret)); err != nil {
		t.Fatal(err)
	}
	ids, _ := store.PendingEvents(bg, 10)
	for _, id := range ids {
		if err := store.Process(bg, id); err != nil {
			t.Fatal(err)
		}
	}
	// The browser may still be failing to reach Stripe's host: a navigation
	// it aborts is tried again.
	done := h.srv.URL + "/portal/checkout/done?session=" + url.QueryEscape(sessionID)
	for attempt := 1; ; attempt++ {
		tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		err := chromedp.Do(tctx, chromedp.Navigate(done), chromedp.WaitVisible(chromedp.CSS("h1")))
		cancel()
		if err == nil {
			break
		}
		if attempt == 5 || !strings.Contains(err.Error(), "ERR_ABORTED") {
			t.Fatalf("back from Stripe: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if !strings.Contains(body, "Paid: USD 1,674.75") {
		t.Errorf("the page Stripe returns to says:\n%s", body)
	}
	checkAxe(t, ctx, "payment done")
	fits("payment done")
}
