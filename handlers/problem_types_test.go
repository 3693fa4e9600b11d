package handlers

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/prometheus/client_golang/prometheus"
)

// The problem pages are HTML, checked against the description as a string.
func init() { openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.FileBodyDecoder) }

// TestProblemTypeResolves follows the type of real problems the router
// answers, resolved against the request URL as RFC 9457 says, to the page
// that describes the code.
func TestProblemTypeResolves(t *testing.T) {
	srv := httptest.NewServer(New(Config{
		Log:      slog.New(slog.DiscardHandler),
		Registry: prometheus.NewRegistry(),
		Ready:    func(context.Context) error { return nil },
	}))
	t.Cleanup(srv.Close)
	get := func(method, u string) (*http.Request, *http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return req, resp, body
	}

	for _, tc := range []struct{ method, path, code string }{
		{"GET", "/v1/invoices/INV-1", "unauthorized"},         // no API key
		{"GET", "/v1/nowhere/at/all", "not_found"},            // no route
		{"PATCH", "/v1/invoices/INV-1", "method_not_allowed"}, // no such method
	} {
		reqURL := srv.URL + tc.path
		_, resp, body := get(tc.method, reqURL)
		var p problem
		if err := json.Unmarshal(body, &p); err != nil || p.Code != tc.code {
			t.Fatalf("%s %s: %d %s, want the problem %s", tc.method, tc.path, resp.StatusCode, body, tc.code)
		}
		base, _ := url.Parse(reqURL)
		ref, err := url.Parse(p.Type)
		if err != nil {
			t.Fatalf("type %q is not a URI reference: %v", p.Type, err)
		}
		typeURL := base.ResolveReference(ref).String()
		req, page, html := get("GET", typeURL)
		checkOpenAPI(t, req, nil, page.StatusCode, page.Header, html)
		if page.StatusCode != http.StatusOK || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("GET %s (type of %s): %d %s", typeURL, tc.code, page.StatusCode, page.Header.Get("Content-Type"))
		}
		if !strings.Contains(string(html), `<h1 id="`+tc.code+`"><code>`+tc.code+`</code>`) ||
			!strings.Contains(string(html), "HTTP status "+strconv.Itoa(resp.StatusCode)) {
			t.Errorf("the page of %s does not head with the code and its status %d:\n%s", tc.code, resp.StatusCode, html)
		}
	}

	// Every code has its page, and each page lists every other code.
	for _, pt := range problemTypes {
		req, resp, html := get("GET", srv.URL+"/problems/"+pt.Code)
		checkOpenAPI(t, req, nil, resp.StatusCode, resp.Header, html)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET /problems/%s: %d", pt.Code, resp.StatusCode)
			continue
		}
		for _, other := range problemTypes {
			if !strings.Contains(string(html), `id="`+other.Code+`"`) {
				t.Errorf("the page of %s does not describe %s", pt.Code, other.Code)
			}
		}
	}

	for _, path := range []string{"/problems/no_such_code", "/problems/VALIDATION_FAILED", "/problems/"} {
		req, resp, body := get("GET", srv.URL+path)
		if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("GET %s: %d %s %s, want a 404 problem", path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		if path != "/problems/" {
			checkOpenAPI(t, req, nil, resp.StatusCode, resp.Header, body)
		}
	}
}

// newProblemCode finds the code of every problem the handlers make.
var newProblemCode = regexp.MustCompile(`newProblem\(\s*http\.Status(\w+),\s*"([a-z_]+)"`)

// TestProblemTypesListEveryCode keeps the problem pages complete: every code
// a handler answers is described, with the status it is answered with, and
// nothing else is.
func TestProblemTypesListEveryCode(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	statusOf := map[string]int{}
	for _, pt := range problemTypes {
		if _, dup := statusOf[pt.Code]; dup {
			t.Errorf("problemTypes lists %s twice", pt.Code)
		}
		statusOf[pt.Code] = pt.Status
	}
	answered := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range newProblemCode.FindAllStringSubmatch(string(src), -1) {
			code := m[2]
			answered[code] = true
			status, ok := statusOf[code]
			if !ok {
				t.Errorf("%s answers the problem %s, which problemTypes (the /problems pages) does not describe", f, code)
				continue
			}
			// bad_signature is 401 for SendGrid and 403 for Twilio; the page says so.
			if http.StatusText(status) != "" && code != "bad_signature" && statusName(status) != m[1] {
				t.Errorf("%s answers %s with http.Status%s, the /problems page says %d", f, code, m[1], status)
			}
		}
	}
	for code := range statusOf {
		if !answered[code] {
			t.Errorf("problemTypes describes %s, which no handler answers", code)
		}
	}
}

// statusName is the name of the net/http constant of a status, such as
// UnprocessableEntity for 422.
func statusName(status int) string {
	return strings.NewReplacer(" ", "", "-", "", "'", "").Replace(http.StatusText(status))
}
