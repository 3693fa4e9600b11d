package handlers

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/vendors"
)

// chromium returns the browser to drive: DUEHUB_CHROMIUM, or chromium on
// the PATH. In CI a missing browser fails the test; elsewhere it skips loudly.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("DUEHUB_CHROMIUM"); p != "" {
		return p
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed: browser tests cannot run in CI without it (.ci/run installs it)")
	}
	t.Skip("SKIPPING browser test: install Debian's chromium (apt-get install chromium) or set DUEHUB_CHROMIUM")
	return ""
}

// artifacts is where screenshots are kept: DUEHUB_ARTIFACTS, else a temp dir.
func artifacts(t *testing.T) string {
	if dir := os.Getenv("DUEHUB_ARTIFACTS"); dir != "" {
		os.MkdirAll(dir, 0o755)
		return dir
	}
	return t.TempDir()
}

func browserContext(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	// Start the browser on this context: the first run's context owns the
	// browser, and later steps run under timeouts derived from it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// tab drives a test's Chromium tab: each step under a 20-second timeout,
// and the test fails naming the step that did not happen.
type tab struct {
	t   *testing.T
	ctx context.Context
}

func newTab(t *testing.T) *tab { return &tab{t: t, ctx: browserContext(t)} }

// do runs steps, failing the test with what they were for.
func (b *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// text is the visible text of the first element sel matches.
func (b *tab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// waitURL waits up to 15 seconds for an address ok accepts: after a form's
// redirect, the page before it may look alike.
func (b *tab) waitURL(what string, ok func(loc string) bool) {
	b.t.Helper()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		loc, _ := chromedp.Run(b.ctx, chromedp.Location())
		if ok(loc) {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: still at %s", what, loc)
		}
	}
}

// waitText waits up to 15 seconds for the first element sel matches to
// hold want: a form posted back to its own address changes no URL, and the
// page before it may still show for a moment.
func (b *tab) waitText(sel, want string) {
	b.t.Helper()
	var got string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		got, _ = chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
		if strings.Contains(got, want) {
			return
		}
	}
	b.t.Fatalf("%s says %q, want %q", sel, got, want)
}

// landed waits for an address holding want, then for the page's heading.
func (b *tab) landed(want string) {
	b.t.Helper()
	b.waitURL("never reached "+want, func(loc string) bool { return strings.Contains(loc, want) })
	b.do("wait for the page after "+want, chromedp.WaitVisible(chromedp.CSS("h1")))
}

// signInVendor signs a member into the vendor web inbox as a person would:
// asks for a link, takes it from the dev outbox, confirms, lands on /vendor.
func (b *tab) signInVendor(h *portalHub, email string) {
	b.t.Helper()
	b.do("ask for a sign-in link", chromedp.Navigate(h.srv.URL+"/vendor"), chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.Click(chromedp.CSS("form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("h1")))
	var link string
	for deadline := time.Now().Add(15 * time.Second); link == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, m := range h.mailsTo(email) {
			if found := signinLinkRE.FindString(m.Text); found != "" {
				link = found
			}
		}
	}
	if link == "" {
		b.t.Fatalf("no sign-in link for %s in the outbox", email)
	}
	b.do("sign in", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#signin")), chromedp.Click(chromedp.CSS("#signin")))
	b.waitURL("signed in", func(loc string) bool { return strings.HasSuffix(loc, "/vendor") })
}

// TestPayerJourneyInChromium walks a payer through the portal in a real
// headless Chromium, starting from the digest in the dev outbox.
func TestPayerJourneyInChromium(t *testing.T) {
	b := newTab(t)
	ctx := b.ctx
	h := newPortalHub(t, dbtest.SQLite(t))
	north, contoso, fab := h.vendor("Northwind Supplies"), h.vendor("Contoso Paper"), h.vendor("Fabrikam Freight")
	h.invoice(north, "N-1", "ap@acme.example", 125000, "2026-11-16")
	h.invoice(north, "N-2", "ap@acme.example", 40000, "2026-11-20")
	h.invoice(contoso, "C-1", "ap@acme.example", 9900, "2026-11-21")
	h.invoice(fab, "F-1", "ap@acme.example", 310000, "2026-11-18")
	amount := int64(15000)
	if _, err := h.vendors.PushCredits(context.Background(), north, []vendors.CreditInput{{ExternalID: "CN-1", Number: "CN-1",
		Currency: "USD", Amount: &amount, Memo: "Damaged pallet",
		Customer: vendors.CustomerInput{ExternalID: "C-ap@acme.example", Name: "Acme", Email: "ap@acme.example"}}}); err != nil {
		t.Fatal(err)
	}

	// The digest, as the bundler sends it, lands in the dev outbox: on
	// Tuesday, the default rhythm's day.
	h.now = h.now.Add(24 * time.Hour)
	r := bundler.NewRunner(bundler.Config{DB: h.db.Gorm, Payers: h.payers, Vendors: h.vendors,
		Senders: map[notify.Channel]notify.Sender{notify.Email: h.outbox}, Links: h.signer, BaseURL: h.srv.URL,
		From: "hub@hub.example", Now: func() time.Time { return h.now }, Log: quietLog()})
	if _, err := r.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	msgs := h.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d digests, want 1", len(msgs))
	}
	inboxLink := regexp.MustCompile(`Open all in your inbox:\s+(\S+)`).FindStringSubmatch(msgs[0].Text)
	if inboxLink == nil {
		t.Fatalf("no inbox link in the digest:\n%s", msgs[0].Text)
	}

	do, text := b.do, b.text
	// landed waits until a form's redirect reached a URL holding want, and
	// its notice.
	landed := func(want string) {
		t.Helper()
		b.waitURL("never reached "+want, func(loc string) bool { return strings.Contains(loc, want) })
		do("the notice after "+want, chromedp.WaitVisible(chromedp.CSS(".notice.ok")))
	}
	invoiceURL := func(vendorID int64, ext string) string {
		v, _ := h.vendors.GetInvoice(context.Background(), vendorID, ext)
		return h.srv.URL + "/portal/invoices/" + itoa(v.ID)
	}

	do("open the digest link", chromedp.Navigate(inboxLink[1]), chromedp.WaitVisible(chromedp.CSS("h1")))
	if loc, err := chromedp.Run(ctx, chromedp.Location()); err != nil || !strings.HasSuffix(loc, "/portal") {
		t.Fatalf("landed on %q (%v), want the clean /portal URL", loc, err)
	}
	body := text("main")
	for _, want := range []string{"Northwind Supplies", "Contoso Paper", "Fabrikam Freight", "N-1", "C-1", "F-1"} {
		if !strings.Contains(body, want) {
			t.Errorf("inbox lacks %q", want)
		}
	}

	do("dispute N-1",
		chromedp.Navigate(invoiceURL(north, "N-1")+"?do=dispute"),
		chromedp.SetValue(chromedp.CSS("#d-reason"), "quantity"),
		chromedp.SetValue(chromedp.CSS("#d-amount"), "250.00"),
		chromedp.SendKeys(chromedp.CSS("#d-note"), "We received 10 pallets, not 12."),
		chromedp.Click(chromedp.CSS("#dispute button[type=submit]")))
	landed("done=dispute")
	do("ask about C-1",
		chromedp.Navigate(invoiceURL(contoso, "C-1")+"?do=ask"),
		chromedp.SendKeys(chromedp.CSS("#q-body"), "Which PO does this invoice belong to?"),
		chromedp.Click(chromedp.CSS("#ask button[type=submit]")))
	landed("done=question")
	do("promise to pay F-1",
		chromedp.Navigate(invoiceURL(fab, "F-1")),
		chromedp.Click(chromedp.CSS("#promise summary")),
		chromedp.SetValue(chromedp.CSS("#p-date"), "2026-12-04"),
		chromedp.Click(chromedp.CSS("#promise button[type=submit]")))
	landed("done=promise")

	do("ask for a code to apply a credit to N-2",
		chromedp.Navigate(invoiceURL(north, "N-2")+"/credit"),
		chromedp.Click(chromedp.CSS(`form[action$="/credit/code"] button[type=submit]`)))
	landed("done=code")
	code := ""
	for _, m := range h.messages() {
		if c, ok := strings.CutPrefix(m.Subject, "Your duehub code: "); ok && code == "" {
			code = c
		}
	}
	if code == "" {
		t.Fatal("no code in the outbox")
	}
	do("apply the credit with the emailed code",
		chromedp.Click(chromedp.CSS(`input[type=radio]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=code]`), code),
		chromedp.Click(chromedp.CSS(`form[action$="/credit"] button[type=submit]`)))
	landed("done=credit")
	if page := text("main"); !strings.Contains(page, "USD 250.00") {
		t.Errorf("after the credit the invoice should show USD 250.00 remaining:\n%s", page)
	}

	do("back to the inbox", chromedp.Navigate(h.srv.URL+"/portal"), chromedp.WaitVisible(chromedp.CSS("h1")))
	body = text("main")
	for _, want := range []string{"Disputed", "Payment promised"} {
		if !strings.Contains(body, want) {
			t.Errorf("inbox does not show the hold %q:\n%s", want, body)
		}
	}
	for _, e := range []struct {
		vendor int64
		event  string
	}{{north, "dispute.created"}, {contoso, "question.created"}, {fab, "promise.created"}, {north, "credit.applied"}} {
		if !strings.Contains(strings.Join(h.events(e.vendor), " "), e.event) {
			t.Errorf("vendor %d has no %s event: %v", e.vendor, e.event, h.events(e.vendor))
		}
	}

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
		path := filepath.Join(dir, "portal-inbox-"+size.name+".png")
		if err := os.WriteFile(path, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", path)
	}
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
