package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/links"
)

// TestDigestLinkOpensThePortal follows a digest link as a payer would.
func TestDigestLinkOpensThePortal(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north, contoso := h.vendor("Northwind <b>Supplies</b>"), h.vendor("Contoso Paper")
		inv := h.invoice(north, "N-1", "ap@acme.example", 125000, "2026-11-20")
		h.invoice(contoso, "C-1", "ap@acme.example", 5000, "2026-11-30")
		h.invoice(contoso, "SECRET-9", "ap@other.example", 1, "2026-11-30")
		payer := h.payerID("ap@acme.example")

		b := h.browser()
		tok, _ := h.signer.Token(links.Link{PayerID: payer, DigestID: 7, Action: links.ActionDispute, InvoiceID: inv})
		r := b.get("/l/" + tok)
		if r.status != http.StatusSeeOther || strings.Contains(r.location, tok) || r.location != "/portal/invoices/"+itoa(inv)+"?do=dispute#dispute" {
			t.Fatalf("entry: %d → %q", r.status, r.location)
		}
		cookie := r.header.Get("Set-Cookie")
		for _, want := range []string{"HttpOnly", "SameSite=Lax"} {
			if !strings.Contains(cookie, want) {
				t.Errorf("session cookie lacks %s: %s", want, cookie)
			}
		}
		if strings.Contains(cookie, "Secure") {
			t.Error("Secure cookie over plain http would never come back")
		}
		r = b.get(r.location)
		if r.status != 200 || !strings.Contains(r.body, "Invoice N-1") || !strings.Contains(r.body, `id="dispute" open`) {
			t.Fatalf("invoice page: %d\n%s", r.status, r.body)
		}
		if !strings.Contains(r.header.Get("Content-Security-Policy"), "default-src 'none'") || r.header.Get("Referrer-Policy") != "same-origin" {
			t.Errorf("security headers: %v", r.header)
		}

		r = b.get("/portal")
		for _, want := range []string{"Northwind &lt;b&gt;Supplies&lt;/b&gt;", "Contoso Paper", "USD 1,250.00", "3 days overdue", "USD 1,300.00"} {
			if !strings.Contains(r.body, want) {
				t.Errorf("inbox lacks %q", want)
			}
		}
		if strings.Contains(r.body, "SECRET-9") || strings.Contains(r.body, "<b>Supplies</b>") {
			t.Fatal("inbox shows another payer's invoice or unescaped vendor text")
		}
		if r := b.get("/portal?filter=overdue"); !strings.Contains(r.body, "N-1") || strings.Contains(r.body, "C-1") {
			t.Error("overdue filter")
		}
		if r := b.get("/portal?filter=due7"); strings.Contains(r.body, "N-1") || !strings.Contains(r.body, "C-1") {
			t.Error("due-in-7-days filter")
		}
		if r := b.get("/portal?vendor=" + itoa(contoso)); strings.Contains(r.body, "N-1") || !strings.Contains(r.body, "C-1") {
			t.Error("vendor filter")
		}
	})
}

func TestBadLinksAndSessions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		inv := h.invoice(h.vendor("Northwind"), "N-1", "ap@acme.example", 1000, "2026-11-20")
		payer := h.payerID("ap@acme.example")
		b := h.browser()
		if r := b.get("/portal"); r.status != 401 || !strings.Contains(r.body, "Email me a fresh link") {
			t.Fatalf("portal without a session: %d", r.status)
		}
		good, _ := h.signer.Token(links.Link{PayerID: payer, Action: links.ActionInbox})
		other := links.NewSigner("another-secret-another-secret-xx", h.srv.URL, func() time.Time { return h.now })
		forged, _ := other.Token(links.Link{PayerID: payer, Action: links.ActionInbox})
		wrongAud := links.NewSigner("portal-secret-portal-secret-xxxx", "https://elsewhere.example", func() time.Time { return h.now })
		elsewhere, _ := wrongAud.Token(links.Link{PayerID: payer, Action: links.ActionInbox})
		for name, path := range map[string]string{"forged": "/l/" + forged, "tampered": "/l/" + good[:len(good)-3] + "abc",
			"other issuer": "/l/" + elsewhere, "garbage": "/l/nope", "unknown short link": "/s/NOSUCHTOKEN"} {
			r := b.get(path)
			if r.status != 404 || !strings.Contains(r.body, "Email me a fresh link") || r.header.Get("Set-Cookie") != "" {
				t.Errorf("%s: %d, cookie %q", name, r.status, r.header.Get("Set-Cookie"))
			}
		}
		h.now = h.now.Add(links.TTL + time.Hour)
		if r := b.get("/l/" + good); r.status != 404 {
			t.Errorf("expired link: %d", r.status)
		}
		h.now = h.now.Add(-links.TTL - time.Hour)

		// Another payer's invoice by id is a 404, like a missing one.
		stranger := h.invoice(h.vendor("Contoso"), "X-1", "ap@other.example", 1, "2026-11-30")
		a := h.signIn("ap@acme.example")
		if r := a.get("/portal/invoices/" + itoa(stranger)); r.status != 404 || strings.Contains(r.body, "X-1") {
			t.Fatalf("cross-payer invoice: %d", r.status)
		}
		if r := a.get("/portal/invoices/" + itoa(inv)); r.status != 200 {
			t.Fatalf("own invoice: %d", r.status)
		}

		// A POST without the session's CSRF token changes nothing.
		if r := a.post("/portal/signout", url.Values{"csrf": {"0000"}}, ""); r.status != 403 {
			t.Fatalf("POST with a wrong CSRF token: %d", r.status)
		}
		if r := a.get("/portal"); r.status != 200 {
			t.Fatal("a refused POST signed the payer out")
		}

		// Sign out everywhere: this session, another one, and every link stop working.
		second := h.signIn("ap@acme.example")
		h.now = h.now.Add(2 * time.Second)
		if r := a.post("/portal/signout", nil, "/portal"); r.status != http.StatusSeeOther || r.location != "/portal/signed-out" {
			t.Fatalf("sign out: %d", r.status)
		}
		for _, br := range []*browser{a, second} {
			if r := br.get("/portal"); r.status != 401 {
				t.Fatalf("a session survived sign-out-everywhere: %d", r.status)
			}
		}
		if r := h.browser().get("/l/" + good); r.status != 404 {
			t.Fatalf("a link issued before sign-out still opens the portal: %d", r.status)
		}
		if r := h.signIn("ap@acme.example").get("/portal"); r.status != 200 {
			t.Fatalf("a fresh link after sign-out: %d", r.status)
		}
	})
}

func TestFreshLinkRevealsNothing(t *testing.T) {
	h := newPortalHub(t, dbtest.SQLite(t))
	h.invoice(h.vendor("Northwind"), "N-1", "ap@acme.example", 1000, "2026-11-20")
	known := h.browser().post("/portal/fresh-link", url.Values{"email": {"AP@acme.example"}}, "")
	unknown := h.browser().post("/portal/fresh-link", url.Values{"email": {"nobody@acme.example"}}, "")
	if known.status != 200 || known.body != unknown.body {
		t.Fatal("the answer tells known from unknown addresses")
	}
	msgs := h.messages()
	if len(msgs) != 1 || msgs[0].To[0] != "ap@acme.example" || !strings.Contains(msgs[0].Text, h.srv.URL+"/l/") {
		t.Fatalf("fresh link emails: %+v", msgs)
	}
	link := msgs[0].Text[strings.Index(msgs[0].Text, h.srv.URL+"/l/")+len(h.srv.URL):]
	link = strings.Fields(link)[0]
	if r := h.browser().get(link); r.status != http.StatusSeeOther {
		t.Fatalf("the emailed link: %d", r.status)
	}
}

func TestUnsubscribeLinks(t *testing.T) {
	h := newPortalHub(t, dbtest.SQLite(t))
	h.invoice(h.vendor("Northwind"), "N-1", "ap@acme.example", 1000, "2026-11-20")
	payer := h.payerID("ap@acme.example")
	unsub, _ := h.signer.Token(links.Link{PayerID: payer, Action: links.ActionUnsubscribe, Channel: "email"})
	b := h.browser()
	for range 3 { // mail scanners follow links: GET must not unsubscribe
		if r := b.get("/l/" + unsub); r.status != 200 || !strings.Contains(r.body, `method="post"`) {
			t.Fatalf("unsubscribe page: %d", r.status)
		}
	}
	if p, _ := h.payers.Get(t.Context(), payer); !p.EmailEnabled {
		t.Fatal("a GET unsubscribed the payer")
	}
	// RFC 8058 one-click: a POST with no session and no CSRF token.
	if r := b.post("/l/"+unsub, url.Values{"List-Unsubscribe": {"One-Click"}}, ""); r.status != 200 {
		t.Fatalf("one-click: %d", r.status)
	}
	if p, _ := h.payers.Get(t.Context(), payer); p.EmailEnabled {
		t.Fatal("the one-click POST did not unsubscribe")
	}
	pay, _ := h.signer.Token(links.Link{PayerID: payer, Action: links.ActionPay})
	if r := b.post("/l/"+pay, nil, ""); r.status != 404 {
		t.Fatalf("POST of a non-unsubscribe link: %d", r.status)
	}
}

func itoa(n int64) string { return strconvI(n) }
