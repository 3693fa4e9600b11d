package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// testHubSecret stands for DUEHUB_SECRET.
const testHubSecret = "test-hub-secret-0123456789abcdefghij"

// hub is a running hub on a real database, driven over real HTTP.
type hub struct {
	t       *testing.T
	db      *database.DB
	vendors *vendors.Store
	srv     *httptest.Server
}

func newHub(t *testing.T, db *database.DB, with ...func(*Config)) *hub {
	t.Helper()
	p := payers.NewStore(db.Gorm, time.Now)
	vs := vendors.NewStore(db.Gorm, p, time.Now)
	if err := vs.UseSecretKey(testHubSecret); err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Vendors:  vs,
		Log:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		Registry: prometheus.NewRegistry(),
		Ready:    func(ctx context.Context) error { return db.SQL.PingContext(ctx) },
	}
	for _, f := range with {
		f(&cfg)
	}
	srv := httptest.NewServer(New(cfg))
	t.Cleanup(srv.Close)
	return &hub{t: t, db: db, vendors: vs, srv: srv}
}

// vendor creates a vendor and returns its ID and a fresh API key.
func (h *hub) vendor(name string) (int64, string) {
	h.t.Helper()
	ctx := context.Background()
	v, err := h.vendors.CreateVendor(ctx, vendors.NewVendor{Name: name})
	if err != nil {
		h.t.Fatal(err)
	}
	key, _, err := h.vendors.CreateKey(ctx, v.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	return v.ID, key
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into v, failing the test on error.
func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// problem decodes a problem+json body and checks its content type and status.
func (r response) problem(t *testing.T, status int) problem {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json", ct)
	}
	var p problem
	r.json(t, &p)
	if p.Status != status || p.Code == "" || p.Type == "" || p.Title == "" {
		t.Fatalf("incomplete problem: %s", r.body)
	}
	return p
}

// fieldMessage returns the message a problem gives for field, or fails.
func fieldMessage(t *testing.T, errs []vendors.FieldError, field string) string {
	t.Helper()
	for _, e := range errs {
		if e.Field == field {
			return e.Message
		}
	}
	t.Fatalf("no error names field %q: %+v", field, errs)
	return ""
}

// do sends a request with the key (if any) and extra headers in pairs, and
// validates the response against the OpenAPI description.
func (h *hub) do(method, path, key string, body any, headers ...string) response {
	h.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			h.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, h.srv.URL+path, bytes.NewReader(raw))
	if err != nil {
		h.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	// A 405 is checked against the description's MethodNotAllowed response.
	described := strings.HasPrefix(path, "/v1/") || path == "/healthz" || path == "/readyz"
	if described {
		checkOpenAPI(h.t, req, raw, resp.StatusCode, resp.Header, out)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: out}
}

// invoice returns a valid invoice request body, changed by the given edits.
func invoice(externalID string, edits ...func(map[string]any)) map[string]any {
	m := map[string]any{
		"external_id": externalID,
		"number":      strings.TrimPrefix(externalID, "INV-"),
		"customer": map[string]any{
			"external_id": "C-77", "name": "Acme Corp", "email": "ap@acme.example",
			"phone": "+15551230000", "sms_consent": false,
		},
		"currency": "USD", "amount_due": 125000, "amount_remaining": 125000,
		"issue_date": "2026-11-01", "due_date": "2026-12-01",
		"pay_url": "https://pay.vendor.example/i/1001", "status": "open", "memo": "PO 4471",
	}
	for _, e := range edits {
		e(m)
	}
	return m
}

func set(key string, v any) func(map[string]any) {
	return func(m map[string]any) {
		if c, ok := strings.CutPrefix(key, "customer."); ok {
			m["customer"].(map[string]any)[c] = v
			return
		}
		m[key] = v
	}
}

func drop(key string) func(map[string]any) {
	return func(m map[string]any) {
		if c, ok := strings.CutPrefix(key, "customer."); ok {
			delete(m["customer"].(map[string]any), c)
			return
		}
		delete(m, key)
	}
}

// count returns the number of rows of a table matching where.
func (h *hub) count(table, where string, args ...any) int64 {
	h.t.Helper()
	var n int64
	q := h.db.Gorm.Table(table)
	if where != "" {
		q = q.Where(where, args...)
	}
	if err := q.Count(&n).Error; err != nil {
		h.t.Fatal(err)
	}
	return n
}
