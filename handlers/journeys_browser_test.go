package handlers

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/notify"
)

// TestPayerJourneysInChromium walks the journeys of issue 13 on a 375 px
// phone in a real headless Chromium, from the digest in the dev outbox: the
// dispute link shows its form in the first screen, a refused dispute keeps
// what was typed, a second dispute joins the first, the promise link lands
// on its form, mute → unmute, pause → resume, and sign out asks first. Every
// page passes axe-core.
func TestPayerJourneysInChromium(t *testing.T) {
	b := newTab(t)
	ctx := b.ctx
	h := newPortalHub(t, dbtest.SQLite(t))
	bg := context.Background()
	north := h.vendor("Northwind Supplies")
	n1 := h.invoice(north, "N-1", "ap@acme.example", 125000, "2026-11-16")
	h.invoice(north, "N-2", "ap@acme.example", 40000, "2026-11-30")
	h.now = h.now.Add(24 * time.Hour) // Tuesday, the default rhythm's day
	r := bundler.NewRunner(bundler.Config{DB: h.db.Gorm, Payers: h.payers, Vendors: h.vendors,
		Senders: map[notify.Channel]notify.Sender{notify.Email: h.outbox}, Links: h.signer, BaseURL: h.srv.URL,
		From: "hub@hub.example", Now: func() time.Time { return h.now }, Log: quietLog()})
	if _, err := r.RunOnce(bg); err != nil {
		t.Fatal(err)
	}
	msgs := h.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d digests, want 1", len(msgs))
	}
	digest := msgs[0].Text
	linkOf := func(label string) []string {
		var out []string
		for _, m := range regexp.MustCompile(`(?m)^  `+regexp.QuoteMeta(label)+`:\s+(\S+)$`).FindAllStringSubmatch(digest, -1) {
			out = append(out, m[1])
		}
		return out
	}
	disputes, promises := linkOf("Dispute"), linkOf("Promise to pay")
	if len(disputes) != 2 || len(promises) != 1 {
		t.Fatalf("the digest has %d dispute links and %d promise links, want 2 and 1 (N-1 only is overdue):\n%s",
			len(disputes), len(promises), digest)
	}

	do, text, landed := b.do, b.text, b.landed
	eval := func(js string) bool {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return v
	}
	inView := func(sel string) bool {
		t.Helper()
		return eval(`(() => { const r = document.querySelector(` + "`" + sel + "`" + `).getBoundingClientRect();
			return r.top >= 0 && r.bottom <= window.innerHeight; })()`)
	}
	do("a phone", chromedp.EmulateViewport(375, 812))

	// 1. The dispute link from the digest: the form is in the first screen.
	do("open N-1's dispute link", chromedp.Navigate(disputes[0]), chromedp.WaitVisible(chromedp.CSS("#d-note")))
	if !inView("#d-reason") || !inView("#dispute button[type=submit]") {
		t.Error("the dispute form is not in the first screen of a 375 px phone")
	}
	checkAxe(t, ctx, "invoice page from a dispute link")

	// 2. A refused dispute keeps the reason and note, the error is next to the field.
	do("dispute too much",
		chromedp.SetValue(chromedp.CSS("#d-reason"), "quantity"),
		chromedp.SetValue(chromedp.CSS("#d-amount"), "5000.00"),
		chromedp.SendKeys(chromedp.CSS("#d-note"), "We received 10 pallets, not 12."),
		chromedp.Click(chromedp.CSS("#dispute button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#d-amount-error")))
	if !eval(`document.querySelector("#d-note").value === "We received 10 pallets, not 12." &&
		document.querySelector("#d-reason").value === "quantity" &&
		document.querySelector("#d-amount").getAttribute("aria-invalid") === "true" &&
		document.querySelector("#dispute").open`) {
		t.Errorf("the refused dispute lost what was typed:\n%s", text("main"))
	}
	if got := text("#errors"); !strings.Contains(got, "Disputed amount") {
		t.Errorf("the error summary says %q", got)
	}
	screenshots(t, ctx, "portal-dispute-refused")
	do("back to a phone", chromedp.EmulateViewport(375, 812))
	checkAxe(t, ctx, "refused dispute")
	do("dispute 100.00",
		chromedp.SetValue(chromedp.CSS("#d-amount"), "100.00"),
		chromedp.Click(chromedp.CSS("#dispute button[type=submit]")))
	landed("done=dispute")

	// 4. A second dispute joins the first.
	do("dispute again", chromedp.Navigate(disputes[0]), chromedp.WaitVisible(chromedp.CSS("#d-note")),
		chromedp.SendKeys(chromedp.CSS("#d-note"), "And the unit price is wrong."),
		chromedp.Click(chromedp.CSS("#dispute button[type=submit]")))
	landed("done=dispute")
	if n := eval(`document.querySelectorAll(".thread").length === 1 && document.querySelectorAll(".thread .msg").length === 2`); !n {
		t.Errorf("the second dispute did not join the first:\n%s", text("#history + *"))
	}

	// The promise link lands on its form.
	do("open the promise link", chromedp.Navigate(promises[0]), chromedp.WaitVisible(chromedp.CSS("#p-date")))
	if !inView("#promise button[type=submit]") {
		t.Error("the promise form is not in the first screen")
	}
	do("promise", chromedp.SetValue(chromedp.CSS("#p-date"), "2026-12-04"), chromedp.Click(chromedp.CSS("#promise button[type=submit]")))
	landed("done=promise")

	// 3. Mute, then unmute from the invoice page.
	do("mute", chromedp.Click(chromedp.CSS("#mute summary")), chromedp.Click(chromedp.CSS(`#mute button[type=submit]`)))
	landed("done=mute")
	do("the muted vendor's invoice", chromedp.Navigate(h.srv.URL+invoicePath(n1)), chromedp.WaitVisible(chromedp.CSS("#mute")))
	checkAxe(t, ctx, "invoice of a muted vendor")
	do("unmute", chromedp.Click(chromedp.CSS(`#mute button[type=submit]`)))
	landed("done=unmute")
	if strings.Contains(text("main"), "You muted") {
		t.Error("the vendor is still muted")
	}

	// Pause, then resume from the banner.
	do("pause", chromedp.Navigate(h.srv.URL+"/portal"), chromedp.Click(chromedp.CSS("#pause summary")),
		chromedp.SetValue(chromedp.CSS("#pause-until"), "2026-12-01"),
		chromedp.Click(chromedp.CSS(`#pause button[type=submit]`)))
	landed("done=pause")
	if got := text("#paused"); !strings.Contains(got, "Reminders paused until 1 Dec 2026") {
		t.Errorf("the pause banner says %q", got)
	}
	checkAxe(t, ctx, "inbox while paused")
	do("settings while paused", chromedp.Navigate(h.srv.URL+"/portal/settings"), chromedp.WaitVisible(chromedp.CSS("#stopped")))
	checkAxe(t, ctx, "settings")
	do("resume", chromedp.Click(chromedp.CSS(`#paused button[type=submit]`)))
	landed("done=resume")
	if eval(`document.querySelector("#paused") !== null`) {
		t.Error("the pause banner is still shown after resuming")
	}

	// Error pages answer with the layout and a way back.
	do("a missing page", chromedp.Navigate(h.srv.URL+"/portal/nothing-here"), chromedp.WaitVisible(chromedp.CSS("h1")))
	if got := text("h1"); got != "Not found" {
		t.Errorf("a missing page says %q", got)
	}
	checkAxe(t, ctx, "portal 404")

	// Sign out everywhere asks first, then explains how to get back in.
	do("sign out", chromedp.Navigate(h.srv.URL+"/portal"), chromedp.Click(chromedp.CSS(`a[href="/portal/signout"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/portal/signout"] button`)))
	checkAxe(t, ctx, "sign out confirmation")
	do("confirm", chromedp.Click(chromedp.CSS(`form[action="/portal/signout"] button`)))
	landed("/portal/signed-out")
	if got := text("main"); !strings.Contains(got, "How to get back in") {
		t.Errorf("the signed-out page says:\n%s", got)
	}
	checkAxe(t, ctx, "signed out")
}
