package handlers

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/links"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/vendors"
)

// smsShortLink sends the payer of phone an SMS digest through the real
// bundler into the outbox and returns the path of its short link.
func (h *portalHub) smsShortLink(vendorID int64, phone string) string {
	h.t.Helper()
	ctx := context.Background()
	amount := int64(4200)
	in := vendors.InvoiceInput{ExternalID: "S-1", Number: "S-1", Currency: "USD", AmountDue: &amount, DueDate: "2026-11-20",
		PayURL:   "https://pay.example/S-1",
		Customer: vendors.CustomerInput{ExternalID: "C-sms", Name: "Texted", Phone: phone, SMSConsent: true, SMSConsentSource: "signed form"}}
	if res, err := h.vendors.PushInvoices(ctx, vendorID, []vendors.InvoiceInput{in}); err != nil || res[0].Result == vendors.ResultError {
		h.t.Fatalf("push: %v %+v", err, res)
	}
	// Noon where the payer is: inside the hours SMS may be sent.
	if err := h.db.Gorm.Exec("UPDATE payers SET timezone = 'UTC' WHERE key = ?", "phone:"+phone).Error; err != nil {
		h.t.Fatal(err)
	}
	h.now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	r := bundler.NewRunner(bundler.Config{DB: h.db.Gorm, Payers: h.payers, Vendors: h.vendors,
		Senders: map[notify.Channel]notify.Sender{notify.SMS: h.outbox}, Links: h.signer, BaseURL: h.srv.URL,
		From: "hub@hub.example", Now: func() time.Time { return h.now }, Log: quietLog()})
	if rep, err := r.RunOnce(ctx); err != nil || rep.Sent() != 1 {
		h.t.Fatalf("SMS digest: %+v %v", rep, err)
	}
	for _, m := range h.messages() {
		if m.Channel == notify.SMS {
			if l := regexp.MustCompile(`/s/[0-9A-Za-z]+`).FindString(m.Text); l != "" {
				return l
			}
		}
	}
	h.t.Fatal("no short link in the SMS")
	return ""
}

// cookieOf returns the value of the named cookie the browser holds.
func (b *browser) cookieOf(name string) string {
	u, _ := url.Parse(b.h.srv.URL + "/vendor")
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	b.h.t.Fatalf("no %s cookie", name)
	return ""
}

// copyCookie is another browser holding a copy of the cookie: what an
// attacker who read it has.
func (h *portalHub) copyCookie(name, value, path string) *browser {
	b := h.browser()
	u, _ := url.Parse(h.srv.URL + path)
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: path}})
	return b
}

// TestSignOutEverywhereRevokesShortLinksAndSessionsOfTheSameSecond: the
// clock stands still, so everything here is issued in the same second as the
// sign-out. A session opened from an SMS short link, a copy of a session
// cookie, the short link itself and a digest link all stop working; a link
// mailed after the sign-out, in that same second, works.
func TestSignOutEverywhereRevokesShortLinksAndSessionsOfTheSameSecond(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north := h.vendor("Northwind")
		short := h.smsShortLink(north, "+15551230000")
		var payer int64
		db.Gorm.Raw("SELECT id FROM payers WHERE key = ?", "phone:+15551230000").Scan(&payer)

		texted := h.browser()
		if r := texted.get(short); r.status != http.StatusSeeOther || r.location != "/portal" {
			t.Fatalf("short link: %d %s", r.status, r.location)
		}
		if r := texted.get("/portal"); r.status != 200 || !strings.Contains(r.body, "S-1") {
			t.Fatalf("portal from the short link: %d", r.status)
		}
		stolen := h.copyCookie(sessionCookie, texted.cookieOf(sessionCookie), "/")
		link, _ := h.signer.Token(links.Link{PayerID: payer, Action: links.ActionInbox})
		other := h.browser()
		if r := other.get("/l/" + link); r.status != http.StatusSeeOther {
			t.Fatalf("digest link: %d", r.status)
		}

		// Same second: the clock has not moved since the sessions were issued.
		if r := texted.post("/portal/signout", nil, "/portal"); r.status != http.StatusSeeOther || r.location != "/portal/signed-out" {
			t.Fatalf("sign out: %d %s", r.status, r.body)
		}
		for name, b := range map[string]*browser{"copied cookie": stolen, "other session": other, "signed-out browser": texted} {
			if r := b.get("/portal"); r.status != http.StatusUnauthorized || strings.Contains(r.body, "S-1") {
				t.Errorf("%s issued in the sign-out's second still opens the portal: %d", name, r.status)
			}
		}
		for name, path := range map[string]string{"SMS short link": short, "digest link": "/l/" + link} {
			r := h.browser().get(path)
			if r.status != http.StatusNotFound || r.header.Get("Set-Cookie") != "" {
				t.Errorf("%s after sign-out: %d, cookie %q", name, r.status, r.header.Get("Set-Cookie"))
			}
		}
		// Still the same second: a link made now, after the sign-out, works.
		p, _ := h.payers.Get(context.Background(), payer)
		fresh, _ := h.signer.Token(links.Link{PayerID: payer, Generation: p.TokenGeneration, Action: links.ActionInbox})
		b := h.browser()
		if r := b.get("/l/" + fresh); r.status != http.StatusSeeOther {
			t.Fatalf("a link made after the sign-out: %d", r.status)
		}
		if r := b.get("/portal"); r.status != 200 {
			t.Fatalf("the session of a link made after the sign-out: %d", r.status)
		}
	})
}

// TestVendorSignOutEndsCopiedSessions: after a member signs out, a copy of
// their session cookie is sent to the sign-in page like no cookie at all,
// and its POSTs change nothing.
func TestVendorSignOutEndsCopiedSessions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north := h.vendor("Northwind Supplies")
		h.member(north, "alice@northwind.example", vendors.RoleAdmin)
		b := h.vendorSignIn("alice@northwind.example")
		page := b.get("/vendor/members")
		csrf := csrfOf(t, page.body)
		stolen := h.copyCookie(vendorCookie, b.cookieOf(vendorCookie), "/vendor")
		if r := stolen.get("/vendor"); r.status != 200 {
			t.Fatalf("a copied cookie before sign-out: %d", r.status)
		}
		if r := b.post("/vendor/signout", nil, "/vendor"); r.status != http.StatusSeeOther || r.location != "/vendor/signin" {
			t.Fatalf("sign out: %d %s", r.status, r.location)
		}
		if r := stolen.get("/vendor"); r.status != http.StatusSeeOther || r.location != "/vendor/signin" {
			t.Fatalf("a copied cookie after sign-out: %d %s, want a redirect to sign in", r.status, r.location)
		}
		r := stolen.post("/vendor/members", url.Values{"csrf": {csrf}, "email": {"mallory@evil.example"}, "role": {"admin"}}, "")
		if r.status != http.StatusUnauthorized {
			t.Fatalf("a POST with a copied cookie after sign-out: %d", r.status)
		}
		ms, _ := h.vendors.Members(context.Background(), north)
		if len(ms) != 1 {
			t.Fatalf("%d members after a refused invitation, want 1", len(ms))
		}
		// Signing in again works.
		if r := h.vendorSignIn("alice@northwind.example").get("/vendor"); r.status != 200 {
			t.Fatalf("sign in after sign-out: %d", r.status)
		}
	})
}
