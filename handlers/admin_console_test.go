package handlers

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/duehub/duehub/admins"
	"github.com/duehub/duehub/audit"
	"github.com/duehub/duehub/console"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/privacy"
	"github.com/duehub/duehub/vendors"
)

// withConsole turns the operator console on.
func withConsole(db *database.DB) func(*Config) {
	return func(cfg *Config) {
		cfg.Admins = admins.NewStore(db.Gorm, nil)
		cfg.Console = console.NewStore(db.Gorm, nil)
		cfg.Audit = audit.NewStore(db.Gorm)
		cfg.Eraser = privacy.NewEraser(db.Gorm, nil)
	}
}

var adminLinkRE = regexp.MustCompile(`https?://\S+/admin/signin/(\S+)`)

// adminSignIn creates an operator account and signs it in as a person
// does: asks for a link, opens it from the outbox, presses the button.
func (h *portalHub) adminSignIn(email string) *browser {
	h.t.Helper()
	if _, err := admins.NewStore(h.db.Gorm, nil).Create(context.Background(), email); err != nil {
		h.t.Fatal(err)
	}
	b := h.browser()
	if r := b.get("/admin"); r.status != http.StatusSeeOther || r.location != "/admin/signin" {
		h.t.Fatalf("console without a session: %d %s", r.status, r.location)
	}
	if r := b.post("/admin/signin", url.Values{"email": {email}}, ""); r.status != http.StatusOK {
		h.t.Fatalf("ask for a link: %d", r.status)
	}
	var tok string
	for _, m := range h.mailsTo(email) {
		if sm := adminLinkRE.FindStringSubmatch(m.Text); sm != nil {
			tok = sm[1]
			break
		}
	}
	if tok == "" {
		h.t.Fatalf("no operator sign-in link emailed to %s", email)
	}
	r := b.post("/admin/signin/"+tok, nil, "/admin/signin/"+tok)
	if r.status != http.StatusSeeOther || r.location != "/admin" {
		h.t.Fatalf("sign in: %d %s %s", r.status, r.location, r.body)
	}
	// The link works once.
	if r := b.get("/admin/signin/" + tok); r.status != http.StatusNotFound {
		h.t.Fatalf("used link: %d", r.status)
	}
	return b
}

// apiCall sends an API request with key and checks the answer against the
// OpenAPI description.
func (h *portalHub) apiCall(method, path, key, body string) (int, string) {
	h.t.Helper()
	req, _ := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	check, _ := http.NewRequest(method, h.srv.URL+path, bytes.NewReader([]byte(body)))
	checkOpenAPI(h.t, check, []byte(body), resp.StatusCode, resp.Header, out)
	return resp.StatusCode, string(out)
}

func TestOperatorConsole(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		h := newPortalHub(t, db, withConsole(db))
		alpha, beta := h.vendor("Alpha Supplies"), h.vendor("Beta Parts")
		alphaKey, _, err := h.vendors.CreateKey(ctx, alpha)
		if err != nil {
			t.Fatal(err)
		}
		betaKey, _, _ := h.vendors.CreateKey(ctx, beta)
		h.invoice(alpha, "A-1", "ap@payer.example", 125000, "2026-11-30")
		h.member(alpha, "boss@alpha.example", vendors.RoleAdmin)
		h.member(alpha, "agent@alpha.example", vendors.RoleAgent)
		h.member(beta, "boss@beta.example", vendors.RoleAdmin)

		ops := h.adminSignIn("ops@hub.example")
		home := ops.get("/admin")
		mustContain(t, "console", home.body, "Alpha Supplies", "Beta Parts", "Job queues", "Recent digests")

		// Suspending needs a reason, shown next to the field, and the CSRF token.
		path := "/admin/vendors/" + strconv.FormatInt(alpha, 10) + "/suspend"
		if r := ops.post(path, url.Values{"reason": {"x"}, "csrf": {"forged"}}, ""); r.status != http.StatusForbidden {
			t.Fatalf("suspend without CSRF: %d", r.status)
		}
		r := ops.post(path, url.Values{"reason": {"  "}}, "/admin")
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `aria-invalid="true"`) || !strings.Contains(r.body, "Reason is required") {
			t.Fatalf("suspend without reason: %d %s", r.status, r.body)
		}
		if r := ops.post(path, url.Values{"reason": {"Chargebacks reported by payers"}}, "/admin"); r.status != http.StatusSeeOther {
			t.Fatalf("suspend: %d %s", r.status, r.body)
		}
		// A suspended vendor's API answers 403 problem+json; the other's works.
		status, body := h.apiCall(http.MethodGet, "/v1/invoices", alphaKey, "")
		if status != http.StatusForbidden || !strings.Contains(body, `"code":"vendor_suspended"`) {
			t.Fatalf("suspended vendor's API: %d %s", status, body)
		}
		status, _ = h.apiCall(http.MethodPut, "/v1/invoices/A-2", alphaKey, `{"currency":"USD","amount_due":100,"due_date":"2026-12-01","pay_url":"https://pay.example/2","customer":{"external_id":"C","email":"x@payer.example"}}`)
		if status != http.StatusForbidden {
			t.Fatalf("suspended vendor's push: %d", status)
		}
		if status, body := h.apiCall(http.MethodGet, "/v1/invoices", betaKey, ""); status != http.StatusOK {
			t.Fatalf("other vendor's API: %d %s", status, body)
		}
		// Approving opens it again.
		if r := ops.post("/admin/vendors/"+strconv.FormatInt(alpha, 10)+"/approve", nil, "/admin"); r.status != http.StatusSeeOther {
			t.Fatalf("approve: %d", r.status)
		}
		if status, _ := h.apiCall(http.MethodGet, "/v1/invoices", alphaKey, ""); status != http.StatusOK {
			t.Fatalf("approved vendor's API: %d", status)
		}

		// Payer lookup, by email; a bad query names the field.
		if r := ops.get("/admin/payers?q=not-an-address"); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("bad lookup: %d", r.status)
		}
		payer := h.payerID("ap@payer.example")
		r = ops.get("/admin/payers?q=AP@payer.example")
		mustContain(t, "payer lookup", r.body, "Payer P"+strconv.FormatInt(payer, 10), "Alpha Supplies", "ap@payer.example")

		// Suppressions: listed, lifted only with a reason (kept on error).
		if err := h.payers.Suppress(ctx, "email", "bounced@payer.example", "bounce", "550"); err != nil {
			t.Fatal(err)
		}
		sups, _ := h.payers.Suppressions(ctx, "bounced", 10)
		if len(sups) != 1 {
			t.Fatalf("suppressions %+v", sups)
		}
		mustContain(t, "suppressions", ops.get("/admin/suppressions").body, "bounced@payer.example")
		lift := "/admin/suppressions/" + strconv.FormatInt(sups[0].ID, 10) + "/lift"
		if r := ops.post(lift, url.Values{"reason": {""}}, "/admin/suppressions"); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Reason is required") {
			t.Fatalf("lift without reason: %d", r.status)
		}
		if r := ops.post(lift, url.Values{"reason": {"Payer fixed their mailbox"}}, "/admin/suppressions"); r.status != http.StatusSeeOther {
			t.Fatalf("lift: %d %s", r.status, r.body)
		}
		if sups, _ := h.payers.Suppressions(ctx, "bounced", 10); len(sups) != 0 {
			t.Fatalf("suppression still there: %+v", sups)
		}

		// Erasure from the console needs the box ticked.
		from := "/admin/payers?q=ap@payer.example"
		if r := ops.post("/admin/payers/erase", url.Values{"contact": {"ap@payer.example"}}, from); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("erase unconfirmed: %d", r.status)
		}
		if r := ops.post("/admin/payers/erase", url.Values{"contact": {"ap@payer.example"}, "confirm": {"yes"}}, from); r.status != http.StatusSeeOther {
			t.Fatalf("erase: %d %s", r.status, r.body)
		}
		if r := ops.get(from); strings.Contains(r.body, "Payer P") {
			t.Fatalf("erased payer still found")
		}

		// A vendor admin's action is audited; each vendor's admins see their own rows only.
		boss := h.vendorSignIn("boss@alpha.example")
		if r := boss.post("/vendor/members", url.Values{"email": {"new@alpha.example"}, "role": {"agent"}}, "/vendor/members"); r.status != http.StatusSeeOther {
			t.Fatalf("invite: %d", r.status)
		}
		own := boss.get("/vendor/audit")
		mustContain(t, "alpha's audit log", own.body, "vendor.suspended", "Chargebacks reported by payers", "vendor.approved",
			"member.invited", "new@alpha.example", "key.created", "hub operator")
		mustNotContain(t, "alpha's audit log", own.body, "ops@hub.example", "boss@beta.example", "payer.erased", "suppression.lifted")
		betaLog := h.vendorSignIn("boss@beta.example").get("/vendor/audit")
		mustNotContain(t, "beta's audit log", betaLog.body, "Alpha Supplies", "new@alpha.example", "vendor.suspended")
		mustContain(t, "beta's audit log", betaLog.body, "boss@beta.example")
		if r := h.vendorSignIn("agent@alpha.example").get("/vendor/audit"); r.status != http.StatusForbidden {
			t.Fatalf("agent's audit page: %d", r.status)
		}

		// The operator sees every row.
		all := ops.get("/admin/audit")
		mustContain(t, "operator's audit log", all.body, "admin.signin", "vendor.suspended", "vendor.approved",
			"suppression.lifted", "b…@payer.example", "payer.erased", "a…@payer.example", "member.invited", "key.created", "boss@beta.example")
		mustNotContain(t, "operator's audit log", all.body, "ap@payer.example", "bounced@payer.example")
		var signin audit.Entry
		if err := db.Gorm.Where("action = ?", audit.AdminSignIn).Take(&signin).Error; err != nil ||
			signin.ActorKind != audit.ByOperator || signin.Actor != "ops@hub.example" || signin.IP != "127.0.0.1" {
			t.Fatalf("sign-in row %+v %v", signin, err)
		}
		var invited audit.Entry
		if err := db.Gorm.Where("action = ? AND target = ?", audit.MemberInvited, "new@alpha.example").Take(&invited).Error; err != nil ||
			invited.ActorKind != audit.ByMember || invited.Actor != "boss@alpha.example" || invited.VendorID == nil || *invited.VendorID != alpha {
			t.Fatalf("invitation row %+v %v", invited, err)
		}

		// The log is append-only.
		if err := db.Gorm.Exec("UPDATE audit_log SET action = 'nothing'").Error; err == nil {
			t.Fatal("an audit row was updated")
		}
		if err := db.Gorm.Exec("DELETE FROM audit_log").Error; err == nil {
			t.Fatal("audit rows were deleted")
		}

		// Signing out ends the session.
		if r := ops.post("/admin/signout", nil, "/admin"); r.status != http.StatusSeeOther {
			t.Fatalf("sign out: %d", r.status)
		}
		if r := ops.get("/admin"); r.status != http.StatusSeeOther {
			t.Fatalf("console after sign-out: %d", r.status)
		}
	})
}
