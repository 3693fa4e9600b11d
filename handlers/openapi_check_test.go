package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/vendors"
)

// openAPISpec is the embedded description, loaded and validated once.
type openAPISpec struct {
	doc    *openapi3.T
	router routers.Router
}

var loadOpenAPI = sync.OnceValues(func() (openAPISpec, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(OpenAPI)
	if err != nil {
		return openAPISpec{}, fmt.Errorf("load handlers/openapi.yaml: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return openAPISpec{}, fmt.Errorf("handlers/openapi.yaml is not a valid OpenAPI document: %w", err)
	}
	// Route on the path alone, so that requests to any host (httptest's
	// 127.0.0.1:port, example.com) find their operation.
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return openAPISpec{}, fmt.Errorf("route handlers/openapi.yaml: %w", err)
	}
	return openAPISpec{doc: doc, router: router}, nil
})

// checkOpenAPI fails t unless the response (status, Content-Type, documented
// headers, body) is one handlers/openapi.yaml allows for req. A request to a
// route the description lacks fails too. Only the response is checked: req
// and reqBody may be deliberately invalid; reqBody only makes failures
// readable.
func checkOpenAPI(t testing.TB, req *http.Request, reqBody []byte, status int, header http.Header, body []byte) {
	t.Helper()
	spec, err := loadOpenAPI()
	if err != nil {
		t.Fatalf("openapi: %v", err)
		return
	}
	call := req.Method + " " + req.URL.RequestURI()
	route, pathParams, err := spec.router.FindRoute(req)
	if errors.Is(err, routers.ErrMethodNotAllowed) && status == http.StatusMethodNotAllowed {
		// No operation answers a method its path does not list: the answer
		// is the MethodNotAllowed response of the components.
		route, err = methodNotAllowedRoute(spec.doc, req)
	}
	if err != nil {
		t.Errorf("openapi: %s (answered %d) is not described in handlers/openapi.yaml: %v", call, status, err)
		return
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: pathParams, Route: route,
		},
		Status: status,
		Header: header,
		Options: &openapi3filter.Options{
			IncludeResponseStatus: true, // an undocumented status is a mismatch
			MultiError:            true,
			// The body is printed once below; no schema dumps.
			SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()},
		},
	}
	input.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		var sent string
		if len(reqBody) > 0 {
			sent = "\nrequest body: " + openAPIClip(reqBody)
		}
		t.Errorf("openapi: the response to %s does not match operation %q of handlers/openapi.yaml:\n%s\n"+
			"status %d, Content-Type %q, body: %s%s",
			call, route.Operation.OperationID, openAPIReasons(err), status, header.Get("Content-Type"),
			openAPIClip(body), sent)
	}
}

// methodNotAllowedRoute is a route whose only response is the description's
// MethodNotAllowed, to check a 405 against.
func methodNotAllowedRoute(doc *openapi3.T, req *http.Request) (*routers.Route, error) {
	resp := doc.Components.Responses["MethodNotAllowed"]
	if resp == nil {
		return nil, errors.New("components.responses.MethodNotAllowed is missing")
	}
	op := openapi3.NewOperation()
	op.OperationID = "components.responses.MethodNotAllowed"
	op.Responses = openapi3.NewResponses(openapi3.WithStatus(http.StatusMethodNotAllowed, resp))
	return &routers.Route{Spec: doc, Path: req.URL.Path, Method: req.Method, Operation: op}, nil
}

// openAPIReasons puts each schema violation on its own line.
func openAPIReasons(err error) string {
	var re *openapi3filter.ResponseError
	var me openapi3.MultiError
	if !errors.As(err, &re) || !errors.As(re.Err, &me) {
		return "  " + err.Error()
	}
	lines := []string{"  " + re.Reason + ":"}
	for _, e := range me {
		lines = append(lines, "    "+e.Error())
	}
	return strings.Join(lines, "\n")
}

func openAPIClip(b []byte) string {
	const limit = 2000
	if len(b) > limit {
		return string(b[:limit]) + "…"
	}
	return string(b)
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(OpenAPI)
	if err != nil {
		t.Fatalf("load handlers/openapi.yaml: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("handlers/openapi.yaml is not a valid OpenAPI document: %v", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}
}

var ginPathParam = regexp.MustCompile(`[:*]([A-Za-z0-9_]+)`)

func TestOpenAPICoversEveryRoute(t *testing.T) {
	h := New(Config{
		Log:      slog.New(slog.DiscardHandler),
		Registry: prometheus.NewRegistry(),
		Ready:    func(context.Context) error { return nil },
	})
	engine, ok := h.(*gin.Engine)
	if !ok {
		t.Fatalf("New returned %T, want *gin.Engine", h)
	}
	registered := map[string]bool{}
	for _, r := range engine.Routes() {
		if r.Path == "/metrics" { // Prometheus exposition, not part of the API
			continue
		}
		registered[r.Method+" "+ginPathParam.ReplaceAllString(r.Path, "{$1}")] = true
	}

	spec, err := loadOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	described := map[string]bool{}
	for path, item := range spec.doc.Paths.Map() {
		for method := range item.Operations() {
			described[method+" "+path] = true
		}
	}

	for _, route := range slices.Sorted(maps.Keys(registered)) {
		// HEAD is served wherever GET is under /v1 (the description says so once, in its info).
		if path, ok := strings.CutPrefix(route, "HEAD "); ok && strings.HasPrefix(path, "/v1/") && described["GET "+path] {
			continue
		}
		if !described[route] {
			t.Errorf("%s is served but not described in handlers/openapi.yaml", route)
		}
	}
	for _, op := range slices.Sorted(maps.Keys(described)) {
		if path, ok := strings.CutPrefix(op, "GET /v1/"); ok && !registered["HEAD /v1/"+path] {
			t.Errorf("%s is served without HEAD: register it with get(…) in router.go", op)
		}
		if !registered[op] {
			t.Errorf("%s is described in handlers/openapi.yaml but the router does not serve it", op)
		}
	}
}

// openAPIFailures is a testing.TB that records failures instead of failing.
type openAPIFailures struct {
	testing.TB
	failures []string
}

func (r *openAPIFailures) Helper() {}
func (r *openAPIFailures) Errorf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}
func (r *openAPIFailures) Fatalf(format string, args ...any) { r.Errorf(format, args...) }
func (r *openAPIFailures) Error(args ...any)                 { r.failures = append(r.failures, fmt.Sprint(args...)) }
func (r *openAPIFailures) Fatal(args ...any)                 { r.Error(args...) }
func (r *openAPIFailures) Fail()                             { r.failures = append(r.failures, "Fail") }
func (r *openAPIFailures) FailNow()                          { r.Fail() }

func TestOpenAPISelfCheck(t *testing.T) {
	at := time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)
	view := vendors.InvoiceView{
		Invoice: vendors.Invoice{
			ExternalID: "INV/2026/7", Number: "7", Currency: "USD", AmountDue: 125000, AmountRemaining: 125000,
			DueDate: civil.Date{Year: 2026, Month: time.December, Day: 1}, PayURL: "https://pay.vendor.example/i/7",
			Status: vendors.StatusOpen, CreatedAt: at, UpdatedAt: at,
		},
		Customer: vendors.Customer{ExternalID: "C-77", Name: "Acme Corp", Email: "ap@acme.example"},
	}
	invoice := openAPIMarshal(t, invoiceOut(view))
	// edit returns invoice with one change made to its decoded form.
	edit := func(change func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(invoice, &m); err != nil {
			t.Fatal(err)
		}
		change(m)
		return openAPIMarshal(t, m)
	}
	jsonCT := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	problemCT := http.Header{"Content-Type": {"application/problem+json"}}
	const get = "http://127.0.0.1:41234/v1/invoices/INV%2F2026%2F7"

	cases := []struct {
		name   string
		method string
		url    string
		status int
		header http.Header
		body   []byte
		// want is "" when the response is correct, else a piece of the
		// report that shows the check failed for the right reason.
		want string
	}{
		{"invoice as the handler writes it", "GET", get, 200, jsonCT, invoice, ""},
		{"amount_due as a string", "GET", get, 200, jsonCT,
			edit(func(m map[string]any) { m["amount_due"] = "125000" }), `"amount_due"`},
		{"amount_due as a fraction", "GET", get, 200, jsonCT,
			edit(func(m map[string]any) { m["amount_due"] = 1250.5 }), `"amount_due"`},
		{"issue_date missing", "GET", get, 200, jsonCT,
			edit(func(m map[string]any) { delete(m, "issue_date") }), `"issue_date"`},
		{"due_date not a date", "GET", get, 200, jsonCT,
			edit(func(m map[string]any) { m["due_date"] = "01/12/2026" }), `"due_date"`},
		{"undocumented field", "GET", get, 200, jsonCT,
			edit(func(m map[string]any) { m["vendor_id"] = 3 }), `"vendor_id"`},
		{"wrong content type", "GET", get, 200, http.Header{"Content-Type": {"text/plain"}}, invoice, "text/plain"},
		{"undocumented status", "GET", get, 201, jsonCT, invoice, "status is not supported"},
		{"not found problem", "GET", get, 404, problemCT, openAPIMarshal(t, problemFor(vendors.ErrNotFound)), ""},
		{"problem as plain JSON", "GET", get, 404, jsonCT, openAPIMarshal(t, problemFor(vendors.ErrNotFound)),
			"application/json"},
		{"created by PUT", "PUT", get, 201, jsonCT, invoice, ""},
		{"validation problem", "PUT", get, 422, problemCT,
			openAPIMarshal(t, problemFor(vendors.Invalid("customer.email", "must be an email address"))), ""},
		{"empty page", "GET", "/v1/invoices?status=open", 200, jsonCT, []byte(`{"data":[],"next_cursor":null}`), ""},
		{"page without next_cursor", "GET", "/v1/invoices", 200, jsonCT, []byte(`{"data":[]}`), `"next_cursor"`},
		{"batch result", "POST", "/v1/invoices/batch", 200,
			http.Header{"Content-Type": {"application/json"}, "Idempotent-Replayed": {"true"}},
			openAPIMarshal(t, batchResponse{
				Results: []batchItemResult{
					{Index: 0, ExternalID: "A", Result: vendors.ResultCreated},
					{Index: 1, Result: vendors.ResultError, Errors: []vendors.FieldError{{Field: "external_id", Message: "is required"}}},
				},
				Counts: map[string]int{"created": 1, "updated": 0, "unchanged": 0, "error": 1},
			}), ""},
		{"batch result with an unknown outcome", "POST", "/v1/invoices/batch", 200, jsonCT,
			[]byte(`{"results":[{"index":0,"external_id":"A","result":"skipped"}],` +
				`"counts":{"created":0,"updated":0,"unchanged":0,"error":0}}`), `"skipped"`},
		{"route not described", "GET", "/v1/nope", 404, problemCT, openAPIMarshal(t, problemFor(errNoRoute)),
			"not described"},
		{"method not allowed", "DELETE", get, 405,
			http.Header{"Content-Type": {"application/problem+json"}, "Allow": {"GET, PUT"}},
			openAPIMarshal(t, problemFor(errMethodNotAllowed)), ""},
		{"method not allowed without Allow", "DELETE", get, 405, problemCT,
			openAPIMarshal(t, problemFor(errMethodNotAllowed)), `"Allow"`},
		{"method not described, other status", "DELETE", get, 404, problemCT, openAPIMarshal(t, problemFor(errNoRoute)),
			"not described"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &openAPIFailures{TB: t}
			req := httptest.NewRequest(tc.method, tc.url, nil)
			checkOpenAPI(rec, req, nil, tc.status, tc.header, tc.body)
			report := strings.Join(rec.failures, "\n")
			switch {
			case tc.want == "" && report != "":
				t.Errorf("checkOpenAPI rejected a correct response:\n%s", report)
			case tc.want != "" && report == "":
				t.Errorf("checkOpenAPI accepted %d %s", tc.status, tc.body)
			case tc.want != "" && !strings.Contains(report, tc.want):
				t.Errorf("checkOpenAPI failed, but not over %s:\n%s", tc.want, report)
			}
		})
	}
}

func openAPIMarshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
