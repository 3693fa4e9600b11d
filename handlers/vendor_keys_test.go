package handlers

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/vendors"
)

var newKeyRE = regexp.MustCompile(`id="new-key" readonly value="(dh_(?:live|test)_[0-9A-Za-z]+)"`)

func shownKey(t *testing.T, p webPage) string {
	t.Helper()
	m := newKeyRE.FindStringSubmatch(p.body)
	if p.status != http.StatusCreated || m == nil {
		t.Fatalf("no key shown: %d %s", p.status, p.body)
	}
	return m[1]
}

// api calls the API with a key and returns the status and body.
func (h *portalHub) callAPI(method, path, key string, body any) (int, string) {
	h.t.Helper()
	var raw []byte
	if body != nil {
		raw, _ = json.Marshal(body)
	}
	req, _ := http.NewRequest(method, h.srv.URL+path, bytes.NewReader(raw))
	req.Header.Set("Authorization", "Bearer "+key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// TestAdminManagesKeysAndTestMode (issue 15): an admin creates a live and a
// test key in the inbox (each shown once), test-mode data and live data
// never meet in API reads, the test invoice shows on the test digests page,
// a rolled key works through its grace period and not after, a revoked key
// stops at once; agents and other vendors' admins reach none of it.
func TestAdminManagesKeysAndTestMode(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north := h.vendor("Northwind Supplies")
		h.member(north, "ada@northwind.example", vendors.RoleAdmin)
		h.member(north, "bo@northwind.example", vendors.RoleAgent)
		other := h.vendor("Contoso Paper")
		h.member(other, "cy@contoso.example", vendors.RoleAdmin)
		admin := h.vendorSignIn("ada@northwind.example")

		live := shownKey(t, admin.post("/vendor/keys", url.Values{"label": {"ERP sync"}, "mode": {"live"}}, "/vendor/keys"))
		test := shownKey(t, admin.post("/vendor/keys", url.Values{"label": {"staging"}, "mode": {"test"}}, "/vendor/keys"))
		if !strings.HasPrefix(live, "dh_live_") || !strings.HasPrefix(test, "dh_test_") {
			t.Fatalf("keys %s %s", live[:8], test[:8])
		}
		list := admin.get("/vendor/keys")
		mustContain(t, "the keys page", list.body, live[:16], test[:16], "ERP sync", "staging", "never")
		mustNotContain(t, "the keys page", list.body, live, test) // shown once only

		// Test mode and live mode are apart, both ways.
		if st, body := h.callAPI("PUT", "/v1/invoices/LIVE-1", live, invoice("LIVE-1")); st != http.StatusCreated {
			t.Fatalf("live push: %d %s", st, body)
		}
		if st, body := h.callAPI("PUT", "/v1/invoices/TEST-1", test, invoice("TEST-1", set("amount_due", 777700), set("amount_remaining", 777700))); st != http.StatusCreated {
			t.Fatalf("test push: %d %s", st, body)
		}
		_, liveList := h.callAPI("GET", "/v1/invoices", live, nil)
		_, testList := h.callAPI("GET", "/v1/invoices", test, nil)
		if !strings.Contains(liveList, "LIVE-1") || strings.Contains(liveList, "TEST-1") {
			t.Errorf("live read: %s", liveList)
		}
		if !strings.Contains(testList, "TEST-1") || strings.Contains(testList, "LIVE-1") {
			t.Errorf("test read: %s", testList)
		}
		if st, _ := h.callAPI("GET", "/v1/invoices/TEST-1", live, nil); st != http.StatusNotFound {
			t.Errorf("live key reads the test invoice: %d", st)
		}
		// The payer ap@acme.example sees the live invoice only.
		pb := h.signIn("ap@acme.example")
		inbox := pb.get("/portal")
		mustContain(t, "the payer's inbox", inbox.body, "LIVE-1")
		mustNotContain(t, "the payer's inbox", inbox.body, "TEST-1", "7,777.00")
		// The test digests page shows it.
		sb := admin.get("/vendor/sandbox")
		mustContain(t, "the test digests page", sb.body, "ap@acme.example", "TEST-1", "USD 7,777.00", "1 Dec 2026")
		mustNotContain(t, "the test digests page", sb.body, "LIVE-1")

		// Roll the live key with a 24-hour grace period.
		keys, _ := h.vendors.VendorKeys(t.Context(), north)
		var liveID, testID int64
		for _, k := range keys {
			if live[:16] == k.Prefix {
				liveID = k.ID
			} else {
				testID = k.ID
			}
		}
		rolled := shownKey(t, admin.post("/vendor/keys/"+strconvI(liveID)+"/roll", url.Values{"grace": {"24h"}}, "/vendor/keys"))
		if !strings.HasPrefix(rolled, "dh_live_") {
			t.Fatalf("rolled key %s", rolled[:8])
		}
		if st, _ := h.callAPI("GET", "/v1/invoices", live, nil); st != http.StatusOK {
			t.Errorf("old key in its grace period: %d", st)
		}
		if st, _ := h.callAPI("GET", "/v1/invoices/LIVE-1", rolled, nil); st != http.StatusOK {
			t.Errorf("new key: %d", st)
		}
		h.now = h.now.Add(24*time.Hour + time.Second)
		if st, _ := h.callAPI("GET", "/v1/invoices", live, nil); st != http.StatusUnauthorized {
			t.Errorf("old key after its grace period: %d", st)
		}
		admin = h.vendorSignIn("ada@northwind.example") // the session lasts 12 hours
		if r := admin.post("/vendor/keys/"+strconvI(liveID)+"/roll", url.Values{"grace": {"200h"}}, "/vendor/keys"); r.status != http.StatusUnprocessableEntity {
			t.Errorf("roll of an expired key, grace past 7 days: %d", r.status)
		}
		if r := admin.post("/vendor/keys/"+strconvI(testID)+"/revoke", nil, "/vendor/keys"); r.status != http.StatusSeeOther {
			t.Fatalf("revoke: %d", r.status)
		}
		if st, _ := h.callAPI("GET", "/v1/invoices", test, nil); st != http.StatusUnauthorized {
			t.Errorf("revoked test key: %d", st)
		}

		// The audit log holds each, by the member who acted (issue 15).
		var audited []string
		if err := db.Gorm.Raw(`SELECT action FROM audit_log WHERE actor_kind = 'member' AND action LIKE 'key.%' ORDER BY id`).
			Scan(&audited).Error; err != nil {
			t.Fatal(err)
		}
		if want := []string{"key.created", "key.created", "key.created", "key.rolled", "key.revoked"}; strings.Join(audited, " ") != strings.Join(want, " ") {
			t.Errorf("audit log = %v, want %v", audited, want)
		}

		// An agent sees no keys; another vendor's admin cannot touch ours.
		agent := h.vendorSignIn("bo@northwind.example")
		if r := agent.get("/vendor/keys"); r.status != http.StatusForbidden {
			t.Errorf("agent GET /vendor/keys: %d", r.status)
		}
		stranger := h.vendorSignIn("cy@contoso.example")
		keysPage := stranger.get("/vendor/keys")
		mustNotContain(t, "another vendor's keys page", keysPage.body, rolled[:16], live[:16])
		if r := stranger.post("/vendor/keys/"+strconvI(liveID+1)+"/revoke", nil, "/vendor/keys"); r.status != http.StatusNotFound {
			t.Errorf("another vendor revokes our key: %d", r.status)
		}
		if st, _ := h.callAPI("GET", "/v1/invoices/LIVE-1", rolled, nil); st != http.StatusOK {
			t.Errorf("our rolled key after the stranger's attempt: %d", st)
		}
		if sb := stranger.get("/vendor/sandbox"); strings.Contains(sb.body, "TEST-1") {
			t.Error("another vendor sees our test digests")
		}
	})
}
