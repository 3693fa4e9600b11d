package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"
)

// `duehub serve` enforces the configured limits: the wiring, end to end.
func TestServeEnforcesRateLimits(t *testing.T) {
	db := filepath.Join(t.TempDir(), "hub.db")
	t.Setenv("DUEHUB_DATABASE_URL", db)
	t.Setenv("DUEHUB_RATE_API", "2/min")
	t.Setenv("DUEHUB_RATE_FORM_TARGET", "1/10m")
	base, stop := startServe(t)
	defer stop()
	waitReady(t, base+"/readyz")
	_, out, _ := duehub(context.Background(), "vendors", "create", "--name", "Northwind", "--json")
	var created struct {
		APIKey string `json:"api_key"`
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatal(err)
	}
	var statuses []int
	for range 3 {
		req, _ := http.NewRequest("GET", base+"/v1/invoices", nil)
		req.Header.Set("Authorization", "Bearer "+created.APIKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		statuses = append(statuses, resp.StatusCode)
		if resp.Header.Get("RateLimit-Policy") != "2;w=60" || resp.Header.Get("Request-Id") == "" {
			t.Fatalf("headers %v", resp.Header)
		}
	}
	if statuses[0] != 200 || statuses[1] != 200 || statuses[2] != 429 {
		t.Fatalf("statuses %v, want 200 200 429", statuses)
	}
	for i, want := range []int{200, 429} {
		resp, err := http.PostForm(base+"/portal/fresh-link", url.Values{"email": {"ap@acme.example"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("fresh link %d: %d, want %d", i+1, resp.StatusCode, want)
		}
	}
}
