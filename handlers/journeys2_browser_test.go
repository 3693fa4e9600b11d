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
	"github.com/duehub/duehub/links"
	"github.com/duehub/duehub/vendors"
)

// TestNewJourneyPagesInChromium opens the pages issue 13's second part
// added — the portal's Paid and closed tab, the unsubscribed page, the
// vendor's customer page, saved replies and a thread with one inserted — at
// 375 px with axe-core, and keeps a 1280 px screenshot of each.
func TestNewJourneyPagesInChromium(t *testing.T) {
	web := newTab(t)
	ctx := web.ctx
	h := newPortalHub(t, dbtest.SQLite(t))
	bg := context.Background()
	north := h.vendor("Northwind Supplies")
	n1 := h.invoice(north, "N-1", "ap@acme.example", 125000, "2026-11-16")
	h.invoice(north, "N-2", "ap@acme.example", 40000, "2026-11-30")
	payer := h.payerID("ap@acme.example")
	h.member(north, "alice@northwind.example", vendors.RoleAgent)
	q, err := h.threads.AskQuestion(bg, payer, n1, "Which PO is this for?")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.payers.PayClicked(bg, payer, n1); err != nil {
		t.Fatal(err)
	}
	saved, err := h.threads.SaveReply(bg, north, 0, "PO number", "The PO number is on page 2.")
	if err != nil {
		t.Fatal(err)
	}
	var customer int64
	h.db.Gorm.Table("customers").Select("id").Where("vendor_id = ?", north).Scan(&customer)
	do := web.do
	dir := artifacts(t)
	page := func(name, url string) string {
		t.Helper()
		do(name, chromedp.EmulateViewport(375, 812), chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("h1")))
		body, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		if err != nil {
			t.Fatal(err)
		}
		checkAxe(t, ctx, name)
		do(name+" at 1280 px", chromedp.EmulateViewport(1280, 900))
		shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		if err := os.WriteFile(filepath.Join(dir, "journeys2-"+name+".png"), shot, 0o644); err != nil {
			t.Fatal(err)
		}
		return body
	}

	inbox, _ := h.signer.URL(links.Link{PayerID: payer, Action: links.ActionInbox})
	do("open the portal", chromedp.Navigate(inbox), chromedp.WaitVisible(chromedp.CSS("h1")))
	if body := page("portal-paid", h.srv.URL+"/portal/paid"); !strings.Contains(body, "Nothing was paid") {
		t.Errorf("paid tab: %s", body)
	}

	web.signInVendor(h, "alice@northwind.example")
	if body := page("vendor-customer", h.srv.URL+"/vendor/customers/"+strconvI(customer)); !strings.Contains(body, "Went to pay invoice N-1") {
		t.Errorf("customer page: %s", body)
	}
	page("vendor-saved-replies", h.srv.URL+"/vendor/replies")
	do("insert a saved reply", chromedp.EmulateViewport(375, 812), chromedp.Navigate(h.srv.URL+"/vendor/threads/"+strconvI(q.ID)),
		chromedp.WaitVisible(chromedp.CSS("#use-saved")), chromedp.Click(chromedp.CSS("#use-saved button[type=submit]")))
	var filled string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline) && filled == ""; time.Sleep(50 * time.Millisecond) {
		filled, _ = chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#r-body")))
	}
	if filled != "The PO number is on page 2." {
		t.Errorf("the reply after Insert holds %q", filled)
	}
	page("vendor-thread-saved-reply", h.srv.URL+"/vendor/threads/"+strconvI(q.ID)+"?use="+strconvI(saved.ID))

	unsub, _ := h.signer.URL(links.Link{PayerID: payer, Action: links.ActionUnsubscribe, Channel: "email"})
	do("unsubscribe", chromedp.EmulateViewport(375, 812), chromedp.Navigate(unsub), chromedp.WaitVisible(chromedp.CSS("form button[type=submit]")),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")))
	var h1 string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline) && h1 != "You are unsubscribed"; time.Sleep(50 * time.Millisecond) {
		h1, _ = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	}
	if h1 != "You are unsubscribed" {
		t.Fatalf("after unsubscribing the page says %q", h1)
	}
	checkAxe(t, ctx, "unsubscribed")
}
