package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/vendors"
)

// postFrom submits a form as a browser on another page would: with the
// given Origin and Sec-Fetch-Site headers ("" leaves one out).
func (b *browser) postFrom(path string, fields url.Values, origin, fetchSite string) webPage {
	b.h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.h.srv.URL+path, strings.NewReader(fields.Encode()))
	if err != nil {
		b.h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if fetchSite != "" {
		req.Header.Set("Sec-Fetch-Site", fetchSite)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.h.t.Fatal(err)
	}
	return readWebPage(b.h.t, resp)
}

// TestCrossOriginPostsAreRefused: a form posted from another site, with
// the victim's cookie and even a valid CSRF token, is a 403 that changes
// nothing, on the portal, the vendor inbox and their sign-in forms. The
// hub's own forms (same origin, or headers a non-browser client leaves out)
// still work.
func TestCrossOriginPostsAreRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north := h.vendor("Northwind Supplies")
		h.invoice(north, "N-1", "ap@acme.example", 1000, "2026-11-20")
		h.member(north, "alice@northwind.example", vendors.RoleAdmin)
		payer := h.signIn("ap@acme.example")
		member := h.vendorSignIn("alice@northwind.example")
		payerCSRF := csrfOf(t, payer.get("/portal").body)
		memberCSRF := csrfOf(t, member.get("/vendor/members").body)
		mails := len(h.messages())

		own := h.srv.URL
		foreign := []struct{ name, origin, site string }{
			{"other origin", "https://evil.example", "cross-site"},
			{"other origin, no fetch metadata", "https://evil.example", ""},
			{"cross-site, no origin", "", "cross-site"},
			{"same-site sibling", strings.Replace(own, "127.0.0.1", "localhost", 1), "same-site"},
			{"opaque origin", "null", ""},
			{"own origin, but cross-site", own, "cross-site"},
			{"other port", strings.TrimSuffix(own, own[strings.LastIndexByte(own, ':'):]) + ":1", "same-site"},
		}
		for _, f := range foreign {
			for path, post := range map[string]func() webPage{
				"/portal/signout": func() webPage {
					return payer.postFrom("/portal/signout", url.Values{"csrf": {payerCSRF}}, f.origin, f.site)
				},
				"/portal/pause": func() webPage {
					return payer.postFrom("/portal/pause", url.Values{"csrf": {payerCSRF}, "until": {"2026-12-15"}}, f.origin, f.site)
				},
				"/portal/fresh-link": func() webPage {
					return h.browser().postFrom("/portal/fresh-link", url.Values{"email": {"ap@acme.example"}}, f.origin, f.site)
				},
				"/vendor/members": func() webPage {
					return member.postFrom("/vendor/members", url.Values{"csrf": {memberCSRF}, "email": {"mallory@evil.example"}, "role": {"admin"}}, f.origin, f.site)
				},
				"/vendor/signout": func() webPage {
					return member.postFrom("/vendor/signout", url.Values{"csrf": {memberCSRF}}, f.origin, f.site)
				},
				"/vendor/signin": func() webPage {
					return h.browser().postFrom("/vendor/signin", url.Values{"email": {"alice@northwind.example"}}, f.origin, f.site)
				},
			} {
				if r := post(); r.status != http.StatusForbidden || !strings.Contains(r.body, "another site") {
					t.Errorf("%s to %s: %d, want 403", f.name, path, r.status)
				}
			}
		}

		// Nothing changed: both are still signed in, not paused, no member
		// was invited and no email went out.
		if r := payer.get("/portal"); r.status != 200 || strings.Contains(r.body, "paused") {
			t.Fatalf("the payer's portal after refused posts: %d", r.status)
		}
		if r := member.get("/vendor"); r.status != 200 {
			t.Fatalf("the member's inbox after refused posts: %d", r.status)
		}
		if p, _ := h.payers.Get(context.Background(), h.payerID("ap@acme.example")); p.PausedUntil != nil || p.TokenGeneration != 0 {
			t.Fatalf("a refused post changed the payer: %+v", p)
		}
		if ms, _ := h.vendors.Members(context.Background(), north); len(ms) != 1 {
			t.Fatalf("%d members after refused invitations", len(ms))
		}
		if n := len(h.messages()); n != mails {
			t.Fatalf("refused posts sent %d emails", n-mails)
		}

		// The hub's own forms, as a browser and as a plain client send them.
		if r := h.browser().postFrom("/portal/fresh-link", url.Values{"email": {"ap@acme.example"}}, own, "same-origin"); r.status != 200 {
			t.Fatalf("same-origin fresh link: %d", r.status)
		}
		if r := member.postFrom("/vendor/members", url.Values{"csrf": {memberCSRF}, "email": {"bob@northwind.example"}, "role": {"agent"}}, own, "same-origin"); r.status >= 400 {
			t.Fatalf("same-origin invitation: %d %s", r.status, r.body)
		}
		payer.postFrom("/portal/pause", url.Values{"csrf": {payerCSRF}, "until": {"2026-12-15"}}, own, "same-origin")
		if p, _ := h.payers.Get(context.Background(), h.payerID("ap@acme.example")); p.PausedUntil == nil {
			t.Fatal("a same-origin pause did not pause")
		}
		if r := payer.postFrom("/portal/signout", url.Values{"csrf": {payerCSRF}}, "", ""); r.status != http.StatusSeeOther {
			t.Fatalf("sign out without fetch metadata: %d", r.status)
		}
	})
}

func TestOwnOriginIsCanonical(t *testing.T) {
	for _, c := range []struct{ public, want string }{
		{"https://Hub.Example", "https://hub.example"},
		{"https://hub.example:443/base", "https://hub.example"},
		{"http://hub.example:80", "http://hub.example"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
	} {
		s := &Server{publicURL: c.public}
		r, _ := http.NewRequest("POST", "http://internal:9000/portal/signout", nil)
		if got := s.ownOrigin(r); got != c.want {
			t.Errorf("%s: origin %q, want %q", c.public, got, c.want)
		}
	}
	r, _ := http.NewRequest("POST", "http://internal:9000/portal/signout", nil)
	if got := (&Server{}).ownOrigin(r); got != "http://internal:9000" {
		t.Errorf("without a public URL: %q", got)
	}
}
