package handlers

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/ratelimit"
)

func rule(s string) ratelimit.Rule {
	r, err := ratelimit.ParseRule(s)
	if err != nil {
		panic(err)
	}
	return r
}

// newLimitedPortalHub is newPortalHub with rate limits, counted on the hub's
// clock in its database.
func newLimitedPortalHub(t *testing.T, db *database.DB, limits Limits) *portalHub {
	t.Helper()
	return newPortalHub(t, db, func(c *Config) {
		c.Limiter, c.Limits = ratelimit.New(db.Gorm, c.Now), limits
	})
}

// newLimitedHub is newHub (the API, checked against the OpenAPI file) with
// rate limits and trusted proxies.
func newLimitedHub(t *testing.T, db *database.DB, limits Limits, proxies ...netip.Prefix) *hub {
	t.Helper()
	return newHub(t, db, func(c *Config) {
		c.Limiter, c.Limits, c.TrustedProxies = ratelimit.New(db.Gorm, time.Now), limits, proxies
	})
}

// emailsTo counts the outbox messages addressed to addr.
func (h *portalHub) emailsTo(addr string) int {
	n := 0
	for _, m := range h.messages() {
		for _, to := range m.To {
			if to == addr {
				n++
			}
		}
	}
	return n
}

// checkTooManyPage checks a friendly 429 page with a Retry-After of at least min seconds.
func checkTooManyPage(t *testing.T, r webPage, min int) {
	t.Helper()
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("status = %d, want 429; body %s", r.status, r.body)
	}
	if ra, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || ra < min {
		t.Fatalf("Retry-After = %q, want at least %d seconds", r.header.Get("Retry-After"), min)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || !strings.Contains(r.body, "Too many requests") ||
		!strings.Contains(r.body, "try again in") {
		t.Fatalf("not the friendly page (%s): %s", ct, r.body)
	}
	if r.header.Get("Request-Id") == "" {
		t.Fatal("no Request-Id on the 429 page")
	}
}

// Five POSTs of the fresh-link form send three emails; the rest are refused
// with a page that says when to try again. An address not on the network is
// limited alike, so a refusal reveals nothing.
func TestFreshLinkRateLimited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newLimitedPortalHub(t, db, Limits{FormIP: rule("20/10m"), FormTarget: rule("3/10m")})
		v := h.vendor("Northwind Traders")
		h.invoice(v, "INV-1", "ap@acme.example", 5000, "2026-12-01")
		b := h.browser()
		var pages []webPage
		for range 5 {
			pages = append(pages, b.post("/portal/fresh-link", url.Values{"email": {"AP@acme.example "}}, ""))
		}
		for i, r := range pages[:3] {
			if r.status != http.StatusOK || !strings.Contains(r.body, "Check your inbox") {
				t.Fatalf("request %d: %d %s", i+1, r.status, r.body)
			}
		}
		// 3 in the last 10 minutes: the next fits when they weigh 2, a third
		// of the next window in; the window began at 10:00.
		checkTooManyPage(t, pages[3], 600+200)
		checkTooManyPage(t, pages[4], 600+200)
		if n := h.emailsTo("ap@acme.example"); n != 3 {
			t.Fatalf("%d emails sent to the address, want 3", n)
		}

		for i := range 4 {
			r := b.post("/portal/fresh-link", url.Values{"email": {"nobody@else.example"}}, "")
			if want := map[bool]int{true: 200, false: 429}[i < 3]; r.status != want {
				t.Fatalf("unknown address, request %d: %d, want %d", i+1, r.status, want)
			}
		}

		// The limit is per address: another payer's address still gets its link.
		h.invoice(v, "INV-2", "ap@globex.example", 5000, "2026-12-01")
		if r := b.post("/portal/fresh-link", url.Values{"email": {"ap@globex.example"}}, ""); r.status != http.StatusOK {
			t.Fatalf("another address: %d", r.status)
		}
		if n := h.emailsTo("ap@globex.example"); n != 1 {
			t.Fatalf("%d emails to the other address, want 1", n)
		}

		// Twenty minutes later the address is served again.
		h.now = h.now.Add(20 * time.Minute)
		if r := b.post("/portal/fresh-link", url.Values{"email": {"ap@acme.example"}}, ""); r.status != http.StatusOK {
			t.Fatalf("after the window: %d", r.status)
		}
		if n := h.emailsTo("ap@acme.example"); n != 4 {
			t.Fatalf("%d emails sent to the address, want 4", n)
		}
	})
}

// One client IP cannot spray the forms at many addresses.
func TestFormsLimitedPerIP(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newLimitedPortalHub(t, db, Limits{FormIP: rule("4/10m"), FormTarget: rule("3/10m")})
		v := h.vendor("Northwind Traders")
		h.member(v, "alice@northwind.example", "admin")
		b := h.browser()
		for i, email := range []string{"a@x.example", "b@x.example", "c@x.example", "d@x.example"} {
			if r := b.post("/portal/fresh-link", url.Values{"email": {email}}, ""); r.status != http.StatusOK {
				t.Fatalf("address %d: %d", i+1, r.status)
			}
		}
		// The vendor sign-in form shares the IP's count.
		r := b.post("/vendor/signin", url.Values{"email": {"alice@northwind.example"}}, "")
		checkTooManyPage(t, r, 1)
		if !strings.Contains(r.body, "Back to the inbox") {
			t.Fatalf("not the vendor page: %s", r.body)
		}
		if n := h.emailsTo("alice@northwind.example"); n != 0 {
			t.Fatalf("%d sign-in emails sent past the IP limit", n)
		}
	})
}

// The vendor sign-in form is limited per address like the fresh link.
func TestVendorSigninRateLimited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newLimitedPortalHub(t, db, Limits{FormIP: rule("20/10m"), FormTarget: rule("3/10m")})
		v := h.vendor("Northwind Traders")
		h.member(v, "alice@northwind.example", "admin")
		b := h.browser()
		for i := range 5 {
			r := b.post("/vendor/signin", url.Values{"email": {"alice@northwind.example"}}, "")
			if i < 3 && r.status != http.StatusOK {
				t.Fatalf("request %d: %d", i+1, r.status)
			}
			if i >= 3 {
				checkTooManyPage(t, r, 60)
			}
		}
		if n := h.emailsTo("alice@northwind.example"); n != 3 {
			t.Fatalf("%d sign-in emails, want 3", n)
		}
	})
}

// The credit and contact code forms mail the same inbox and share its
// limit; another payer is not affected.
func TestCodeFormsRateLimited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newLimitedPortalHub(t, db, Limits{FormIP: rule("20/10m"), FormTarget: rule("3/10m")})
		v := h.vendor("Northwind Traders")
		inv := h.invoice(v, "INV-1", "ap@acme.example", 5000, "2026-12-01")
		h.invoice(v, "INV-2", "ap@globex.example", 5000, "2026-12-01")
		b := h.signIn("ap@acme.example")
		credit := "/portal/invoices/" + strconvI(inv) + "/credit/code"
		for i, path := range []string{"/portal/settings/code", credit, "/portal/settings/code"} {
			if r := b.post(path, nil, "/portal/settings"); r.status != http.StatusSeeOther {
				t.Fatalf("code %d: %d %s", i+1, r.status, r.body)
			}
		}
		checkTooManyPage(t, b.post(credit, nil, "/portal/settings"), 60)
		checkTooManyPage(t, b.post("/portal/settings/code", nil, "/portal/settings"), 60)
		if n := h.emailsTo("ap@acme.example"); n != 3 {
			t.Fatalf("%d code emails, want 3", n)
		}
		other := h.signIn("ap@globex.example")
		if r := other.post("/portal/settings/code", nil, "/portal/settings"); r.status != http.StatusSeeOther {
			t.Fatalf("another payer: %d", r.status)
		}
	})
}

// checkRateHeaders checks the RateLimit headers of a response.
func checkRateHeaders(t *testing.T, r response, limit, remaining int) {
	t.Helper()
	if got := r.header.Get("RateLimit-Limit"); got != strconv.Itoa(limit) {
		t.Fatalf("RateLimit-Limit = %q, want %d", got, limit)
	}
	if got := r.header.Get("RateLimit-Remaining"); got != strconv.Itoa(remaining) {
		t.Fatalf("RateLimit-Remaining = %q, want %d", got, remaining)
	}
	if reset, err := strconv.Atoi(r.header.Get("RateLimit-Reset")); err != nil || reset < 0 || reset > 120 {
		t.Fatalf("RateLimit-Reset = %q", r.header.Get("RateLimit-Reset"))
	}
	if got, want := r.header.Get("RateLimit-Policy"), strconv.Itoa(limit)+";w=60"; got != want {
		t.Fatalf("RateLimit-Policy = %q, want %q", got, want)
	}
}

// checkRateLimited checks a 429 problem: code, Retry-After and the request id.
func checkRateLimited(t *testing.T, r response) {
	t.Helper()
	p := r.problem(t, http.StatusTooManyRequests)
	if p.Code != "rate_limited" || p.Type != "/problems/rate_limited" {
		t.Fatalf("problem = %+v", p)
	}
	if ra, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || ra < 1 || ra > 120 {
		t.Fatalf("Retry-After = %q", r.header.Get("Retry-After"))
	}
	if p.RequestID == "" || p.RequestID != r.header.Get("Request-Id") {
		t.Fatalf("request_id %q, Request-Id %q", p.RequestID, r.header.Get("Request-Id"))
	}
}

// An API key gets its limit, told in RateLimit headers on every response;
// past it, 429 rate_limited. Another key of the same vendor counts apart.
func TestAPIKeyRateLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newLimitedHub(t, db, Limits{API: rule("5/min"), AuthFailures: rule("20/min")})
		vid, key := h.vendor("Northwind")
		for i := range 5 {
			r := h.do("GET", "/v1/invoices", key, nil)
			if r.status != http.StatusOK {
				t.Fatalf("request %d: %d %s", i+1, r.status, r.body)
			}
			checkRateHeaders(t, r, 5, 4-i)
		}
		r := h.do("PUT", "/v1/invoices/INV-1", key, invoice("INV-1"))
		checkRateLimited(t, r)
		checkRateHeaders(t, r, 5, 0)
		if n := h.count("invoices", ""); n != 0 {
			t.Fatalf("a refused PUT stored %d invoices", n)
		}
		other, _, err := h.vendors.CreateKey(context.Background(), vid)
		if err != nil {
			t.Fatal(err)
		}
		if r := h.do("PUT", "/v1/invoices/INV-1", other, invoice("INV-1")); r.status != http.StatusCreated {
			t.Fatalf("another key: %d %s", r.status, r.body)
		}
	})
}

// Failed authentications from one IP are limited; past the limit even a
// valid key from that IP is refused before it is looked at, and so are the
// vendor inbox's sign-in links. Another client (a distinct forwarded IP via
// a trusted proxy) is not affected.
func TestAuthFailuresLimitedPerIP(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newLimitedPortalHub(t, db, Limits{AuthFailures: rule("3/min")})
		key, _, err := h.vendors.CreateKey(context.Background(), h.vendor("Northwind Traders"))
		if err != nil {
			t.Fatal(err)
		}
		api := func(key string, hdr ...string) *http.Response {
			req, _ := http.NewRequest("GET", h.srv.URL+"/v1/invoices", nil)
			if key != "" {
				req.Header.Set("Authorization", "Bearer "+key)
			}
			for i := 0; i+1 < len(hdr); i += 2 {
				req.Header.Set(hdr[i], hdr[i+1])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp
		}
		if r := api(key); r.StatusCode != http.StatusOK {
			t.Fatalf("valid key: %d", r.StatusCode)
		}
		for i, bad := range []string{"", "dh_live_wrong", "dh_live_" + strings.Repeat("x", 40)} {
			if r := api(bad); r.StatusCode != http.StatusUnauthorized {
				t.Fatalf("bad key %d: %d", i+1, r.StatusCode)
			}
		}
		r := api("dh_live_nope")
		if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
			t.Fatalf("4th failure: %d, Retry-After %q", r.StatusCode, r.Header.Get("Retry-After"))
		}
		if r := api(key); r.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("a valid key from a blocked IP: %d, want 429", r.StatusCode)
		}
		// The sign-in link pages share the count: a guessed token is not even checked.
		checkTooManyPage(t, h.browser().get("/vendor/signin/not-a-token"), 1)
		// X-Forwarded-For from an untrusted peer is ignored: no way around the limit.
		if r := api(key, "X-Forwarded-For", "203.0.113.9"); r.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("a forged X-Forwarded-For escaped the limit: %d", r.StatusCode)
		}
		// A minute and a bit later (the failures weigh less), the IP may try again.
		h.now = h.now.Add(80 * time.Second)
		if r := api(key); r.StatusCode != http.StatusOK {
			t.Fatalf("after the window: %d", r.StatusCode)
		}
	})
}

// Behind a trusted proxy each forwarded client has its own count.
func TestTrustedProxyNamesTheClient(t *testing.T) {
	db := dbtest.SQLite(t)
	h := newLimitedHub(t, db, Limits{AuthFailures: rule("2/min")}, netip.MustParsePrefix("127.0.0.1/32"))
	status := func(client string) int {
		return h.do("GET", "/v1/invoices", "dh_live_bad", nil, "X-Forwarded-For", client).status
	}
	for range 2 {
		if s := status("203.0.113.9"); s != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", s)
		}
	}
	if s := status("203.0.113.9"); s != http.StatusTooManyRequests {
		t.Fatalf("3rd failure of one client: %d, want 429", s)
	}
	if s := status("198.51.100.7"); s != http.StatusUnauthorized {
		t.Fatalf("another client behind the proxy: %d, want 401", s)
	}
	// One IPv6 host holds its whole /64.
	for _, ip := range []string{"2001:db8:1:2::1", "2001:db8:1:2::2"} {
		status(ip)
	}
	if s := status("2001:db8:1:2:ffff::3"); s != http.StatusTooManyRequests {
		t.Fatalf("third address of one /64: %d, want 429", s)
	}
}

// Two servers over one database (two `duehub serve` processes) share one
// limit.
func TestRateLimitSharedAcrossServers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		a := newLimitedHub(t, db, Limits{API: rule("6/min")})
		b := &hub{t: t, db: db, vendors: a.vendors, srv: newLimitedHub(t, db, Limits{API: rule("6/min")}).srv}
		_, key := a.vendor("Northwind")
		ok, limited := 0, 0
		for i := range 10 {
			h := a
			if i%2 == 1 {
				h = b
			}
			switch r := h.do("GET", "/v1/invoices", key, nil); r.status {
			case http.StatusOK:
				ok++
			case http.StatusTooManyRequests:
				checkRateLimited(t, r)
				limited++
			default:
				t.Fatalf("status %d", r.status)
			}
		}
		if ok != 6 || limited != 4 {
			t.Fatalf("%d admitted and %d refused across two servers, want 6 and 4", ok, limited)
		}
	})
}

func TestClientKey(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.9":           "203.0.113.9",
		"::ffff:203.0.113.9":    "203.0.113.9",
		"2001:db8:1:2:3:4:5:6":  "2001:db8:1:2::/64",
		"2001:db8:1:2::ffff":    "2001:db8:1:2::/64",
		"not an ip":             "unknown",
		"2001:db8:1:3:3:4:5:6":  "2001:db8:1:3::/64",
		"fe80::1%eth0":          "fe80::/64",
		"":                      "unknown",
		"127.0.0.1":             "127.0.0.1",
		"::1":                   "::/64",
		"0000:0000::0000:0001":  "::/64",
		"2001:0db8:0001:0002::": "2001:db8:1:2::/64",
	} {
		if got := clientKey(in); got != want {
			t.Errorf("clientKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseTrustedProxies(t *testing.T) {
	got, err := ParseTrustedProxies(" 10.0.0.0/8, 127.0.0.1 ,::1,192.168.1.77/24,")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "127.0.0.1/32", "::1/128", "192.168.1.0/24"}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "localhost", "10.0.0", "fe80::1%eth0"} {
		if _, err := ParseTrustedProxies(bad); err == nil {
			t.Errorf("ParseTrustedProxies(%q) accepted", bad)
		}
	}
	if p, err := ParseTrustedProxies(""); err != nil || len(p) != 0 {
		t.Fatalf("empty list: %v %v", p, err)
	}
}
