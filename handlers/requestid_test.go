package handlers

import (
	"net/http"
	"net/netip"
	"regexp"
	"strings"
	"testing"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
)

var requestIDRE = regexp.MustCompile(`^req_[A-Z2-7]{26}$`)

// Every response carries a Request-Id, fresh for each request, and a
// problem body repeats it.
func TestRequestIDOnEveryResponse(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newLimitedHub(t, db, Limits{API: rule("3/min"), AuthFailures: rule("20/min")})
		_, key := h.vendor("Northwind")
		seen := map[string]bool{}
		check := func(name string, r response, problem bool) {
			t.Helper()
			id := r.header.Get("Request-Id")
			if !requestIDRE.MatchString(id) {
				t.Fatalf("%s: Request-Id = %q", name, id)
			}
			if seen[id] {
				t.Fatalf("%s: Request-Id %s repeated", name, id)
			}
			seen[id] = true
			if problem {
				p := r.problem(t, r.status)
				if p.RequestID != id {
					t.Fatalf("%s: problem request_id %q, header %q", name, p.RequestID, id)
				}
			}
		}
		check("200", h.do("GET", "/v1/invoices", key, nil), false)
		check("healthz", h.do("GET", "/healthz", "", nil), false)
		check("404 no route", h.do("GET", "/nope", "", nil), true)
		check("404 no invoice", h.do("GET", "/v1/invoices/none", key, nil), true)
		check("405", h.do("DELETE", "/v1/invoices", key, nil), true)
		check("401", h.do("GET", "/v1/invoices", "", nil), true)
		check("422", h.do("PUT", "/v1/invoices/INV-1", key, invoice("INV-1", set("currency", "usd"))), true)
		r := h.do("GET", "/v1/invoices", key, nil)
		check("429", r, true)
		if r.status != http.StatusTooManyRequests {
			t.Fatalf("4th request of a 3/min key: %d", r.status)
		}
		// A client's own id is not taken: it could make two requests share one.
		r = h.do("GET", "/healthz", "", nil, "Request-Id", "req_mine", "X-Request-Id", "req_mine")
		check("client id", r, false)

		// A failing database: the 500 problem carries the id too.
		db.SQL.Close()
		check("500", h.do("GET", "/v1/invoices", key, nil), true)
	})
}

// Behind a trusted proxy, the proxy's id is kept (if sane), so that its
// logs and the hub's agree.
func TestRequestIDFromTrustedProxy(t *testing.T) {
	h := newLimitedHub(t, dbtest.SQLite(t), Limits{}, netip.MustParsePrefix("127.0.0.0/8"))
	for _, tc := range []struct {
		header, value, want string
	}{
		{"X-Request-Id", "9f86d081-884c-7d65-9a2f-eaa0c55ad015", "9f86d081-884c-7d65-9a2f-eaa0c55ad015"},
		{"Request-Id", "edge:42.1_a", "edge:42.1_a"},
		{"X-Request-Id", "bad id; X-Evil: 1", ""},
		{"X-Request-Id", "<script>", ""},
		{"X-Request-Id", strings.Repeat("a", 129), ""},
	} {
		r := h.do("GET", "/v1/invoices", "", nil, tc.header, tc.value)
		got := r.header.Get("Request-Id")
		if tc.want != "" && got != tc.want {
			t.Errorf("%s %q: Request-Id = %q, want it kept", tc.header, tc.value, got)
		}
		if tc.want == "" && !requestIDRE.MatchString(got) {
			t.Errorf("%s %q: Request-Id = %q, want a fresh one", tc.header, tc.value, got)
		}
		if p := r.problem(t, http.StatusUnauthorized); p.RequestID != got {
			t.Errorf("problem request_id %q, header %q", p.RequestID, got)
		}
	}
}

// FuzzSaneRequestID: an incoming id is kept only if it is safe to log and
// to send back as a header.
func FuzzSaneRequestID(f *testing.F) {
	for _, s := range []string{"req_1", "9f86d081-884c", "a b", "x\r\ny", "é", "", strings.Repeat("z", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := saneRequestID(s)
		if got != "" && got != s {
			t.Fatalf("saneRequestID(%q) = %q: changed, not kept or dropped", s, got)
		}
		if len(got) > 128 || strings.ContainsFunc(got, func(r rune) bool { return r <= ' ' || r >= 0x7f || r == '"' || r == '<' }) {
			t.Fatalf("saneRequestID(%q) kept an unsafe id", s)
		}
	})
}
