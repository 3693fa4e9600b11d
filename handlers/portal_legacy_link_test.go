package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/links"
)

// legacyLink signs l as a JWT, the way digests signed links before compact
// tokens: such links are in mailboxes for up to links.TTL after an upgrade.
func (h *portalHub) legacyLink(l links.Link, secret, issuer string) string {
	h.t.Helper()
	c := links.Claims{RegisteredClaims: jwt.RegisteredClaims{
		Issuer: issuer, Subject: fmt.Sprint(l.PayerID), Audience: jwt.ClaimStrings{"duehub-portal"},
		ExpiresAt: jwt.NewNumericDate(h.now.Add(links.TTL)), IssuedAt: jwt.NewNumericDate(h.now), ID: "legacy-jti",
	}, DigestID: l.DigestID, Action: l.Action, InvoiceID: l.InvoiceID, Channel: l.Channel, Generation: l.Generation}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(secret))
	if err != nil {
		h.t.Fatal(err)
	}
	return tok
}

// TestLinksIssuedBeforeTheUpgradeStillWork: a JWT link from an older
// digest opens the portal, unsubscribes, and is refused exactly when a
// compact link would be (expired, forged, revoked by sign-out).
func TestLinksIssuedBeforeTheUpgradeStillWork(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		inv := h.invoice(h.vendor("Northwind"), "N-1", "ap@acme.example", 1000, "2026-11-20")
		payer := h.payerID("ap@acme.example")
		const secret = "portal-secret-portal-secret-xxxx"

		dispute := h.legacyLink(links.Link{PayerID: payer, DigestID: 7, Action: links.ActionDispute, InvoiceID: inv}, secret, h.srv.URL)
		b := h.browser()
		if r := b.get("/l/" + dispute); r.status != http.StatusSeeOther || r.location != "/portal/invoices/"+itoa(inv)+"?do=dispute#dispute" {
			t.Fatalf("old dispute link: %d → %q", r.status, r.location)
		}
		if r := b.get("/portal"); r.status != 200 {
			t.Fatalf("portal from an old link: %d", r.status)
		}

		for name, tok := range map[string]string{
			"forged":       h.legacyLink(links.Link{PayerID: payer, Action: links.ActionInbox}, "another-secret-another-secret-xx", h.srv.URL),
			"other issuer": h.legacyLink(links.Link{PayerID: payer, Action: links.ActionInbox}, secret, "https://elsewhere.example"),
		} {
			if r := h.browser().get("/l/" + tok); r.status != 404 || r.header.Get("Set-Cookie") != "" {
				t.Errorf("%s old link: %d", name, r.status)
			}
		}

		unsub := h.legacyLink(links.Link{PayerID: payer, Action: links.ActionUnsubscribe, Channel: "email"}, secret, h.srv.URL)
		if r := h.browser().post("/l/"+unsub, url.Values{"List-Unsubscribe": {"One-Click"}}, ""); r.status != 200 {
			t.Fatalf("old one-click unsubscribe: %d", r.status)
		}
		if p, _ := h.payers.Get(t.Context(), payer); p.EmailEnabled {
			t.Fatal("the old unsubscribe link did not unsubscribe")
		}

		inbox := h.legacyLink(links.Link{PayerID: payer, Action: links.ActionInbox}, secret, h.srv.URL)
		h.now = h.now.Add(links.TTL + time.Hour)
		if r := h.browser().get("/l/" + inbox); r.status != 404 {
			t.Errorf("expired old link: %d", r.status)
		}
		h.now = h.now.Add(-links.TTL - time.Hour)

		h.now = h.now.Add(2 * time.Second)
		if r := b.post("/portal/signout", nil, "/portal"); r.status != http.StatusSeeOther || r.location != "/portal/signed-out" {
			t.Fatalf("sign out: %d", r.status)
		}
		if r := h.browser().get("/l/" + inbox); r.status != 404 {
			t.Errorf("an old link survived sign-out-everywhere: %d", r.status)
		}
	})
}
