package handlers

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/links"
	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
)

// TestAgentAnswersInChromium: a payer asks a question and opens a dispute;
// an agent signs in from the magic link in the dev outbox, answers the
// question and resolves the dispute in a real headless Chromium; then the
// payer's portal, in a browser context of its own, shows the answer and the
// invoice off hold.
func TestAgentAnswersInChromium(t *testing.T) {
	ctx := browserContext(t)
	h := newPortalHub(t, dbtest.SQLite(t))
	bg := context.Background()
	north := h.vendor("Northwind Supplies")
	n1 := h.invoice(north, "N-1", "ap@acme.example", 125000, "2026-11-16")
	n2 := h.invoice(north, "N-2", "ap@acme.example", 40000, "2026-11-20")
	h.member(north, "alice@northwind.example", vendors.RoleAgent)
	payer := h.payerID("ap@acme.example")
	question, err := h.threads.AskQuestion(bg, payer, n1, "Which PO does invoice N-1 belong to?")
	if err != nil {
		t.Fatal(err)
	}
	dispute, err := h.threads.OpenDispute(bg, payer, n2, "quantity", 10000, "We received 10 pallets, not 12.")
	if err != nil {
		t.Fatal(err)
	}
	h.now = h.now.Add(90 * time.Minute)

	do := func(ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(tctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(ctx context.Context, sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	// landed waits until a form's redirect reached a URL ending in want.
	landed := func(want string) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for time.Now().Before(deadline) {
			if loc, err := chromedp.Run(ctx, chromedp.Location()); err == nil && strings.HasSuffix(loc, want) {
				do(ctx, "wait for the page after "+want, chromedp.WaitVisible(chromedp.CSS("h1")))
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("never reached %q; at %s:\n%s", want, loc, text(ctx, "main"))
	}

	do(ctx, "ask for a sign-in link",
		chromedp.Navigate(h.srv.URL+"/vendor"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "alice@northwind.example"),
		chromedp.Click(chromedp.CSS("form button[type=submit]")))
	var link string
	for deadline := time.Now().Add(15 * time.Second); link == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, m := range h.mailsTo("alice@northwind.example") {
			if found := signinLinkRE.FindString(m.Text); found != "" && link == "" {
				link = found
			}
		}
	}
	if link == "" {
		t.Fatal("no sign-in link in the outbox")
	}
	if page := text(ctx, "h1"); page != "Check your inbox" {
		t.Errorf("after asking for a link the page says %q", page)
	}
	checkAxe(t, ctx, "vendor sign-in sent")
	do(ctx, "open the link and sign in",
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS("#signin")),
		chromedp.Click(chromedp.CSS("#signin")))
	landed("/vendor")
	inbox := text(ctx, "main")
	for _, want := range []string{"Open questions", "Invoice N-1", "Open disputes", "Invoice N-2", "Quantity is wrong", "USD 100.00"} {
		if !strings.Contains(inbox, want) {
			t.Errorf("the inbox lacks %q:\n%s", want, inbox)
		}
	}
	screenshots(t, ctx, "vendor-inbox")
	checkAxe(t, ctx, "vendor inbox")

	do(ctx, "open the question",
		chromedp.Click(chromedp.CSS(`#questions a[href="/vendor/threads/`+strconvI(question.ID)+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#r-body")))
	if page := text(ctx, "main"); !strings.Contains(page, "Which PO does invoice N-1 belong to?") || !strings.Contains(page, "ap@acme.example") {
		t.Errorf("the thread page lacks the question or the customer:\n%s", page)
	}
	do(ctx, "reply",
		chromedp.SendKeys(chromedp.CSS("#r-body"), "It is PO 4471, approved by Dana."),
		chromedp.Click(chromedp.CSS("#reply button[type=submit]")))
	landed("done=reply")
	screenshots(t, ctx, "vendor-thread")
	checkAxe(t, ctx, "vendor thread")
	do(ctx, "a missing vendor page", chromedp.Navigate(h.srv.URL+"/vendor/nothing/here"), chromedp.WaitVisible(chromedp.CSS("h1")))
	checkAxe(t, ctx, "vendor 404")

	do(ctx, "open the dispute from the inbox",
		chromedp.Navigate(h.srv.URL+"/vendor"),
		chromedp.Click(chromedp.CSS(`#disputes a[href="/vendor/threads/`+strconvI(dispute.ID)+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#s-outcome")),
		chromedp.SetValue(chromedp.CSS("#s-outcome"), "credit_issued"),
		chromedp.SendKeys(chromedp.CSS("#s-note"), "Credit note CN-9 covers the 2 missing pallets."),
		chromedp.Click(chromedp.CSS("#resolve button[type=submit]")))
	landed("done=resolve")
	if state := text(ctx, "#state"); state != "Resolved" {
		t.Errorf("the dispute is %q after resolving", state)
	}
	do(ctx, "back to the inbox", chromedp.Navigate(h.srv.URL+"/vendor"), chromedp.WaitVisible(chromedp.CSS("#first-reply")))
	if got := text(ctx, "#first-reply .value"); got != "1 h 30 min" {
		t.Errorf("median time to first reply shows %q, want 1 h 30 min", got)
	}
	if got := text(ctx, "#disputes"); !strings.Contains(got, "No open disputes") {
		t.Errorf("the resolved dispute is still in the queue:\n%s", got)
	}

	if got := h.thread(north, question.ID); got.State != threads.ThreadAnswered {
		t.Errorf("question state %q", got.State)
	}
	if got := h.thread(north, dispute.ID); got.State != threads.ThreadResolved || got.Outcome != "credit_issued" {
		t.Errorf("dispute %q %q", got.State, got.Outcome)
	}

	// The payer, in a browser context of its own (no vendor cookie), opens
	// the portal from a digest link.
	pctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(pctx); err != nil {
		t.Fatal(err)
	}
	portalLink, err := h.signer.URL(links.Link{PayerID: payer, Action: links.ActionInbox})
	if err != nil {
		t.Fatal(err)
	}
	do(pctx, "the payer opens the portal", chromedp.Navigate(portalLink), chromedp.WaitVisible(chromedp.CSS("h1")))
	if loc, _ := chromedp.Run(pctx, chromedp.Location()); !strings.HasSuffix(loc, "/portal") {
		t.Fatalf("the payer landed on %s", loc)
	}
	if r, err := chromedp.Run(pctx, chromedp.NavigateResponse(h.srv.URL+"/vendor")); err != nil || r.Status != http.StatusOK ||
		!strings.HasSuffix(r.URL, "/vendor/signin") {
		t.Errorf("the payer's browser opened /vendor: %v %+v", err, r)
	}
	do(pctx, "the payer reads the answer", chromedp.Navigate(h.srv.URL+"/portal/invoices/"+strconvI(n1)), chromedp.WaitVisible(chromedp.CSS("h1")))
	if page := text(pctx, "main"); !strings.Contains(page, "It is PO 4471, approved by Dana.") {
		t.Errorf("the payer's invoice page lacks the answer:\n%s", page)
	}
	do(pctx, "the payer reads the resolution", chromedp.Navigate(h.srv.URL+"/portal/invoices/"+strconvI(n2)), chromedp.WaitVisible(chromedp.CSS("h1")))
	page := text(pctx, "main")
	if !strings.Contains(page, "Credit note CN-9 covers the 2 missing pallets.") || !strings.Contains(page, "Resolved") {
		t.Errorf("the payer's invoice page lacks the resolution:\n%s", page)
	}
	if lede := text(pctx, ".lede"); strings.Contains(lede, "Disputed") {
		t.Errorf("the invoice is still on hold for the payer: %q", lede)
	}
	do(pctx, "the payer's inbox", chromedp.Navigate(h.srv.URL+"/portal"), chromedp.WaitVisible(chromedp.CSS("h1")))
	if inbox := text(pctx, "main"); strings.Contains(inbox, "Disputed") {
		t.Errorf("the payer's inbox still shows the dispute hold:\n%s", inbox)
	}
}

// screenshots keeps full-page screenshots of the current page at phone and
// desktop widths.
func screenshots(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := artifacts(t)
	for _, size := range []struct {
		name          string
		width, height int64
	}{{"phone", 375, 812}, {"desktop", 1280, 900}} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(size.width, size.height)); err != nil {
			t.Fatalf("viewport: %v", err)
		}
		shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		path := filepath.Join(dir, name+"-"+size.name+".png")
		if err := os.WriteFile(path, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", path)
	}
}
