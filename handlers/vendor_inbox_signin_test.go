package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/links"
	"github.com/duehub/duehub/vendors"
)

func TestVendorSignInWithMagicLink(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north := h.vendor("Northwind Supplies")
		h.member(north, "alice@northwind.example", vendors.RoleAgent)
		b := h.browser()

		if r := b.get("/vendor"); r.status != http.StatusSeeOther || r.location != "/vendor/signin" {
			t.Fatalf("GET /vendor without a session: %d %s, want a redirect to the sign-in page", r.status, r.location)
		}
		// The answer is the same for a member, a stranger and garbage: the
		// form reveals nothing about who is on a team.
		member := b.post("/vendor/signin", url.Values{"email": {"Alice@Northwind.example"}}, "")
		stranger := b.post("/vendor/signin", url.Values{"email": {"mallory@elsewhere.example"}}, "")
		garbage := b.post("/vendor/signin", url.Values{"email": {"not an address"}}, "")
		if member.status != http.StatusOK || member.status != stranger.status || member.body != stranger.body || member.body != garbage.body {
			t.Fatalf("answers differ: member %d, stranger %d, garbage %d", member.status, stranger.status, garbage.status)
		}
		if msgs := h.messages(); len(msgs) != 1 || msgs[0].To[0] != "alice@northwind.example" {
			t.Fatalf("outbox = %+v, want one link, to the member", msgs)
		}
		tok := h.signinLinks("alice@northwind.example")[0]

		// Opening the link (as a mail scanner would, twice) spends nothing.
		for range 2 {
			r := b.get("/vendor/signin/" + tok)
			if r.status != http.StatusOK {
				t.Fatalf("confirmation page: %d", r.status)
			}
			mustContain(t, "confirmation page", r.body, "Sign in to Northwind Supplies", "alice@northwind.example")
		}
		// A form posted without the confirmation page's cookie (another
		// site, another browser) signs nobody in.
		other := h.browser()
		r := other.post("/vendor/signin/"+tok, url.Values{"csrf": {csrfOf(t, b.get("/vendor/signin/"+tok).body)}}, "")
		if r.status != http.StatusForbidden {
			t.Fatalf("sign-in POST without the page's cookie: %d, want 403", r.status)
		}
		r = b.post("/vendor/signin/"+tok, nil, "/vendor/signin/"+tok)
		if r.status != http.StatusSeeOther || r.location != "/vendor" {
			t.Fatalf("sign in: %d %s", r.status, r.location)
		}
		if r := b.get("/vendor"); r.status != http.StatusOK || !strings.Contains(r.body, "Open questions") {
			t.Fatalf("inbox after sign-in: %d", r.status)
		}
		cookie := ""
		for _, c := range r.header.Values("Set-Cookie") {
			if strings.HasPrefix(c, vendorCookie+"=") {
				cookie = c
			}
		}
		mustContain(t, "session cookie", cookie, "HttpOnly", "SameSite=Lax", "Path=/vendor")

		// Used once, the link is dead, in any browser.
		again := h.browser()
		if r := again.get("/vendor/signin/" + tok); r.status != http.StatusNotFound {
			t.Fatalf("used link opened: %d", r.status)
		}
		if r := again.post("/vendor/signin/"+tok, nil, ""); r.status == http.StatusSeeOther {
			t.Fatal("used link signed in again")
		}

		// A link older than 15 minutes is dead too.
		b2 := h.browser()
		b2.post("/vendor/signin", url.Values{"email": {"alice@northwind.example"}}, "")
		late := h.signinLinks("alice@northwind.example")[0]
		if late == tok {
			t.Fatal("the second link is the first one")
		}
		page := b2.get("/vendor/signin/" + late)
		h.now = h.now.Add(16 * time.Minute)
		if r := b2.get("/vendor/signin/" + late); r.status != http.StatusNotFound {
			t.Fatalf("expired link: %d", r.status)
		}
		if r := b2.post("/vendor/signin/"+late, url.Values{"csrf": {csrfOf(t, page.body)}}, ""); r.status != http.StatusNotFound {
			t.Fatalf("expired link posted: %d", r.status)
		}
		// Tampered and foreign tokens are refused like unknown ones.
		portalTok, err := h.signer.Token(links.Link{PayerID: 1, Action: links.ActionInbox})
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{tok[:len(tok)-2] + "xx", "nonsense", portalTok} {
			if r := b2.get("/vendor/signin/" + bad); r.status != http.StatusNotFound {
				t.Errorf("token %.20s…: %d, want 404", bad, r.status)
			}
		}

		// Signing out ends the session.
		if r := b.post("/vendor/signout", nil, "/vendor"); r.status != http.StatusSeeOther {
			t.Fatalf("sign out: %d", r.status)
		}
		if r := b.get("/vendor"); r.status != http.StatusSeeOther {
			t.Fatalf("inbox after sign-out: %d", r.status)
		}
	})
}

func TestDisabledMemberIsSignedOut(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north := h.vendor("Northwind Supplies")
		bob := h.member(north, "bob@northwind.example", vendors.RoleAgent)
		b := h.vendorSignIn("bob@northwind.example")
		// A link asked for before the member was disabled is dead too.
		b.post("/vendor/signin", url.Values{"email": {"bob@northwind.example"}}, "")
		tok := h.signinLinks("bob@northwind.example")[0]
		if err := h.vendors.DisableMember(context.Background(), north, bob.ID); err != nil {
			t.Fatal(err)
		}
		if r := b.get("/vendor"); r.status != http.StatusSeeOther {
			t.Fatalf("disabled member's session still opens the inbox: %d", r.status)
		}
		if r := h.browser().get("/vendor/signin/" + tok); r.status != http.StatusNotFound {
			t.Fatalf("disabled member's link: %d", r.status)
		}
		before := len(h.messages())
		h.browser().post("/vendor/signin", url.Values{"email": {"bob@northwind.example"}}, "")
		if len(h.messages()) != before {
			t.Fatal("a disabled member was sent a sign-in link")
		}
	})
}

func TestOneAddressOnTwoTeamsGetsOneLinkPerTeam(t *testing.T) {
	h := newPortalHub(t, dbtest.SQLite(t))
	north, contoso := h.vendor("Northwind Supplies"), h.vendor("Contoso Paper")
	h.member(north, "sam@freelance.example", vendors.RoleAgent)
	h.member(contoso, "sam@freelance.example", vendors.RoleAdmin)
	b := h.browser()
	b.post("/vendor/signin", url.Values{"email": {"sam@freelance.example"}}, "")
	toks := h.signinLinks("sam@freelance.example")
	if len(toks) != 2 {
		t.Fatalf("%d links, want one per team", len(toks))
	}
	r := b.post("/vendor/signin/"+toks[1], nil, "/vendor/signin/"+toks[1])
	if r.status != http.StatusSeeOther {
		t.Fatalf("sign in: %d", r.status)
	}
	if page := b.get("/vendor"); !strings.Contains(page.body, "for Contoso Paper") {
		t.Fatal("the second link does not open the second team's inbox")
	}
}
