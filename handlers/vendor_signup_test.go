package handlers

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/ratelimit"
	"github.com/duehub/duehub/vendors"
)

var signupLinkRE = regexp.MustCompile(`https?://\S+/vendor/signup/(\S+)`)

func (h *portalHub) signupToken(addr string) string {
	h.t.Helper()
	for _, m := range h.mailsTo(addr) {
		if sm := signupLinkRE.FindStringSubmatch(m.Text); sm != nil {
			return sm[1]
		}
	}
	h.t.Fatalf("no sign-up link emailed to %s", addr)
	return ""
}

var goodSignup = url.Values{"name": {"Globex Parts"}, "email": {"Owner@Globex.example"}, "domain": {"billing.globex.example"},
	"timezone": {"Europe/Paris"}, "support_email": {"ar@globex.example"}}

// TestVendorSignsUpAndVerifies (issue 15): a bad form comes back with each
// error next to its field and the values kept; a good one emails a link;
// opening it creates nothing; its button creates the vendor pending approval
// with its first admin signed in, once.
func TestVendorSignsUpAndVerifies(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		b := h.browser()
		if r := b.get("/vendor/signup"); r.status != http.StatusOK || !strings.Contains(r.body, `name="domain"`) {
			t.Fatalf("GET /vendor/signup: %d", r.status)
		}
		bad := url.Values{"name": {"Globex Parts"}, "email": {"not-an-address"}, "domain": {"no spaces.example"}, "timezone": {"Mars/Olympus"}}
		r := b.post("/vendor/signup", bad, "")
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("bad form: %d", r.status)
		}
		mustContain(t, "the refused form", r.body, `id="e-email"`, `id="e-domain"`, `id="e-timezone"`, `value="Globex Parts"`,
			`value="Mars/Olympus"`, `aria-invalid="true"`)
		mustNotContain(t, "the refused form", r.body, `id="e-name"`)
		if len(h.messages()) != 0 {
			t.Fatal("a refused form sent mail")
		}

		if r := b.post("/vendor/signup", goodSignup, ""); r.status != http.StatusOK || !strings.Contains(r.body, "owner@globex.example") {
			t.Fatalf("good form: %d %s", r.status, r.body)
		}
		tok := h.signupToken("owner@globex.example")
		for i := 0; i < 2; i++ { // a mail scanner opening the link creates nothing
			if r := b.get("/vendor/signup/" + tok); r.status != http.StatusOK || !strings.Contains(r.body, "Create Globex Parts") {
				t.Fatalf("open link: %d", r.status)
			}
		}
		if n := h.count("vendors", "name = ?", "Globex Parts"); n != 0 {
			t.Fatalf("GET created %d vendors", n)
		}
		r = b.post("/vendor/signup/"+tok, nil, "/vendor/signup/"+tok)
		if r.status != http.StatusSeeOther || r.location != "/vendor/keys?done=signup" {
			t.Fatalf("confirm: %d %s %s", r.status, r.location, r.body)
		}
		var v vendors.Vendor
		if err := db.Gorm.Where("name = ?", "Globex Parts").Take(&v).Error; err != nil {
			t.Fatal(err)
		}
		if v.Status != vendors.StatusPending || v.Domain != "billing.globex.example" || v.Timezone != "Europe/Paris" || v.SupportEmail != "ar@globex.example" {
			t.Errorf("vendor = %+v, want pending with the form's fields", v)
		}
		ms, _ := h.vendors.Members(context.Background(), v.ID)
		if len(ms) != 1 || ms[0].Email != "owner@globex.example" || ms[0].Role != vendors.RoleAdmin {
			t.Errorf("members = %+v, want the signer as admin", ms)
		}
		page := b.get("/vendor/keys?done=signup")
		if page.status != http.StatusOK {
			t.Fatalf("keys page after sign-up: %d", page.status)
		}
		mustContain(t, "the first page", page.body, "waiting for the hub operator's approval", "Welcome to duehub")
		var signups int64
		if err := db.Gorm.Raw(`SELECT COUNT(*) FROM audit_log WHERE action = 'vendor.signed_up' AND vendor_id = ?`, v.ID).
			Scan(&signups).Error; err != nil || signups != 1 {
			t.Errorf("audit rows for the sign-up: %d (%v), want 1", signups, err)
		}

		// The link works once: a second press (another browser) creates nothing.
		b2 := h.browser()
		if r := b2.get("/vendor/signup/" + tok); r.status != http.StatusNotFound {
			t.Errorf("used link opens: %d", r.status)
		}
		if n := h.count("vendors", "name = ?", "Globex Parts"); n != 1 {
			t.Errorf("%d vendors named Globex Parts", n)
		}
		// Expired after an hour.
		b3 := h.browser()
		b3.post("/vendor/signup", url.Values{"name": {"Late Co"}, "email": {"late@late.example"}, "domain": {"late.example"}, "timezone": {"UTC"}}, "")
		late := h.signupToken("late@late.example")
		h.now = h.now.Add(61 * time.Minute)
		if r := b3.get("/vendor/signup/" + late); r.status != http.StatusNotFound {
			t.Errorf("expired link opens: %d", r.status)
		}
	})
}

// TestSignupPolicies: open makes the vendor active at once; closed has no
// sign-up; the form is rate limited per address.
func TestSignupPolicies(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		open := newPortalHub(t, db, func(c *Config) {
			c.VendorSignup = SignupOpen
			c.Limiter = ratelimit.New(db.Gorm, time.Now)
			c.Limits = Limits{FormIP: ratelimit.Rule{Limit: 100, Window: time.Hour}, FormTarget: ratelimit.Rule{Limit: 2, Window: time.Hour}}
		})
		b := open.browser()
		b.post("/vendor/signup", goodSignup, "")
		tok := open.signupToken("owner@globex.example")
		if r := b.post("/vendor/signup/"+tok, nil, "/vendor/signup/"+tok); r.status != http.StatusSeeOther {
			t.Fatalf("confirm: %d", r.status)
		}
		if n := open.count("vendors", "name = ? AND status = 'active'", "Globex Parts"); n != 1 {
			t.Errorf("open policy: %d active vendors", n)
		}
		b.post("/vendor/signup", goodSignup, "")
		if r := b.post("/vendor/signup", goodSignup, ""); r.status != http.StatusTooManyRequests {
			t.Errorf("third sign-up for one address in an hour: %d, want 429", r.status)
		}

		closed := newPortalHub(t, db, func(c *Config) { c.VendorSignup = SignupClosed })
		cb := closed.browser()
		if r := cb.get("/vendor/signup"); r.status != http.StatusNotFound {
			t.Errorf("closed: GET %d", r.status)
		}
		if r := cb.post("/vendor/signup", goodSignup, ""); r.status != http.StatusNotFound {
			t.Errorf("closed: POST %d", r.status)
		}
	})
}

func (h *portalHub) count(table, where string, args ...any) int64 {
	h.t.Helper()
	var n int64
	if err := h.db.Gorm.Table(table).Where(where, args...).Count(&n).Error; err != nil {
		h.t.Fatal(err)
	}
	return n
}
