package handlers

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/duehub/duehub/notify/outbox"
	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
)

// member adds a member to the vendor's team, straight in the store.
func (h *portalHub) member(vendorID int64, email, role string) vendors.Member {
	h.t.Helper()
	m, err := h.vendors.InviteMember(context.Background(), vendorID, vendors.NewMember{Email: email, Name: strings.Split(email, "@")[0], Role: role})
	if err != nil {
		h.t.Fatal(err)
	}
	return m
}

var signinLinkRE = regexp.MustCompile(`https?://\S+/vendor/signin/(\S+)`)

// signinLinks returns the sign-in tokens in the newest email to addr.
func (h *portalHub) signinLinks(addr string) []string {
	h.t.Helper()
	for _, m := range h.messages() {
		if len(m.To) == 1 && m.To[0] == addr && signinLinkRE.MatchString(m.Text) {
			var toks []string
			for _, sm := range signinLinkRE.FindAllStringSubmatch(m.Text, -1) {
				toks = append(toks, sm[1])
			}
			return toks
		}
	}
	h.t.Fatalf("no sign-in link emailed to %s", addr)
	return nil
}

// vendorSignIn signs a member in the way a person does: asks for a link,
// opens it from the outbox and presses the button.
func (h *portalHub) vendorSignIn(email string) *browser {
	h.t.Helper()
	b := h.browser()
	if r := b.post("/vendor/signin", map[string][]string{"email": {email}}, ""); r.status != http.StatusOK {
		h.t.Fatalf("ask for a link: %d", r.status)
	}
	tok := h.signinLinks(email)[0]
	r := b.post("/vendor/signin/"+tok, nil, "/vendor/signin/"+tok)
	if r.status != http.StatusSeeOther || r.location != "/vendor" {
		h.t.Fatalf("sign in: %d %s %s", r.status, r.location, r.body)
	}
	return b
}

// thread reloads a thread as its vendor sees it.
func (h *portalHub) thread(vendorID, id int64) threads.VendorThreadView {
	h.t.Helper()
	v, err := h.threads.VendorThread(context.Background(), vendorID, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return v
}

// mailsTo returns the outbox messages to addr, newest first.
func (h *portalHub) mailsTo(addr string) []outbox.Message {
	var out []outbox.Message
	for _, m := range h.messages() {
		for _, to := range m.To {
			if to == addr {
				out = append(out, m)
			}
		}
	}
	return out
}

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func mustNotContain(t *testing.T, what, body string, nots ...string) {
	t.Helper()
	for _, w := range nots {
		if strings.Contains(body, w) {
			t.Errorf("%s shows %q", what, w)
		}
	}
}
