package handlers

import (
	"bytes"
	"strings"
	"testing"

	"github.com/duehub/duehub/database/dbtest"
)

func TestOperationsEndpoints(t *testing.T) {
	db := dbtest.SQLite(t)
	h := newHub(t, db)
	_, key := h.vendor("Northwind")
	if r := h.do("GET", "/healthz", "", nil); r.status != 200 {
		t.Fatalf("healthz: %d", r.status)
	}
	if r := h.do("GET", "/readyz", "", nil); r.status != 200 {
		t.Fatalf("readyz: %d %s", r.status, r.body)
	}
	h.do("PUT", "/v1/invoices/INV-1", key, invoice("INV-1"))
	h.do("GET", "/v1/invoices/nope", key, nil)

	r := h.do("GET", "/metrics", "", nil)
	for _, want := range []string{
		`duehub_http_requests_total{method="PUT",route="/v1/invoices/:external_id",status="201"} 1`,
		`duehub_http_requests_total{method="GET",route="/v1/invoices/:external_id",status="404"} 1`,
		`duehub_http_request_duration_seconds_bucket{method="PUT",route="/v1/invoices/:external_id"`,
	} {
		if !bytes.Contains(r.body, []byte(want)) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if bytes.Contains(r.body, []byte("INV-1")) {
		t.Error("metrics are labelled by raw path")
	}

	r = h.do("GET", "/openapi.yaml", "", nil)
	if r.status != 200 || !strings.HasPrefix(string(r.body), "openapi: 3") {
		t.Fatalf("openapi.yaml: %d", r.status)
	}

	// An unknown route and a wrong method are problems too.
	h.do("GET", "/v2/nothing", key, nil).problem(t, 404)
	h.do("DELETE", "/v1/invoices/INV-1", key, nil).problem(t, 405)

	db.Close()
	if r := h.do("GET", "/readyz", "", nil); r.status != 503 || bytes.Contains(r.body, []byte("sql")) {
		t.Fatalf("readyz with the database gone: %d %s", r.status, r.body)
	}
}
