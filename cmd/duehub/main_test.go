package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database/dbtest"
)

// duehub runs the CLI in-process and returns its exit code and output.
func duehub(ctx context.Context, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(ctx, args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestVendorAndKeyCommands(t *testing.T) {
	for name, dbURL := range map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "hub.db") },
		"postgres": func(t *testing.T) string { return dbtest.PostgresURL(t) },
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := dbURL(t)
			code, out, errOut := duehub(ctx, "vendors", "create", "--name", "Northwind", "--domain", "northwind.example", "--json", "--database-url", db)
			if code != 0 {
				t.Fatalf("vendors create: %d %s", code, errOut)
			}
			var created struct {
				VendorID string `json:"vendor_id"`
				APIKey   string `json:"api_key"`
			}
			if err := json.Unmarshal([]byte(out), &created); err != nil || created.VendorID == "" || !strings.HasPrefix(created.APIKey, "dh_live_") {
				t.Fatalf("vendors create --json printed %q (%v)", out, err)
			}

			code, out, _ = duehub(ctx, "keys", "create", "--vendor", created.VendorID, "--database-url", db)
			if code != 0 || !strings.Contains(out, "dh_live_") {
				t.Fatalf("keys create: %d %q", code, out)
			}
			code, out, _ = duehub(ctx, "keys", "list", "--vendor", created.VendorID, "--json", "--database-url", db)
			var keys []keyJSON
			if err := json.Unmarshal([]byte(out), &keys); err != nil || code != 0 || len(keys) != 2 {
				t.Fatalf("keys list: %d %q %v", code, out, err)
			}
			if strings.Contains(out, created.APIKey) {
				t.Fatal("keys list shows a secret")
			}
			first := created.APIKey[:len(keys[1].Prefix)]
			if code, out, errOut = duehub(ctx, "keys", "revoke", first, "--database-url", db); code == 0 {
				t.Fatalf("flags after the prefix should be refused, got %q", out)
			}
			if code, out, errOut = duehub(ctx, "keys", "revoke", "--database-url", db, first); code != 0 || !strings.Contains(out, "revoked") {
				t.Fatalf("keys revoke: %d %q %q", code, out, errOut)
			}
			_, out, _ = duehub(ctx, "keys", "list", "--vendor", created.VendorID, "--json", "--database-url", db)
			json.Unmarshal([]byte(out), &keys)
			if keys[1].RevokedAt == nil || keys[0].RevokedAt != nil {
				t.Fatalf("revocation not recorded: %s", out)
			}
			if code, _, errOut = duehub(ctx, "keys", "revoke", "--database-url", db, "dh_live_nope"); code == 0 || !strings.Contains(errOut, "not found") {
				t.Fatalf("revoking an unknown key: %d %q", code, errOut)
			}
			if code, _, errOut = duehub(ctx, "keys", "create", "--vendor", "999", "--database-url", db); code == 0 {
				t.Fatalf("key for a missing vendor: %d %q", code, errOut)
			}
		})
	}
}

func TestBadConfigurationNamesTheVariable(t *testing.T) {
	ctx := context.Background()
	cases := []struct{ env, value, args string }{
		{"DUEHUB_ADDR", "nonsense", "serve"},
		{"DUEHUB_BASE_URL", "ftp://hub.example", "serve"},
		{"DUEHUB_SECRET", "short", "serve"},
		{"DUEHUB_OPERATOR_TOKEN", "short", "serve"},
		{"DUEHUB_DATABASE_URL", "postgres://", "migrate"},
		{"DUEHUB_LOG_LEVEL", "loud", "migrate"},
		{"DUEHUB_EMAIL", "carrier-pigeon", "serve"},
		{"DUEHUB_EMAIL", "sendgrid", "serve"},   // without DUEHUB_SENDGRID_API_KEY
		{"DUEHUB_SMS", "twilio", "digests run"}, // without DUEHUB_TWILIO_*
		{"DUEHUB_SENDGRID_WEBHOOK_PUBLIC_KEY", "bm90IGEga2V5", "serve"},
		{"DUEHUB_RATE_API", "100", "serve"},
		{"DUEHUB_RATE_FORM_TARGET", "3/fortnight", "serve"},
		{"DUEHUB_TRUSTED_PROXIES", "10.0.0.0/33", "serve"},
		{"DUEHUB_PLAN_EVERY", "10ms", "serve"},
		{"DUEHUB_MAX_INFLIGHT", "0", "serve"},
		{"DUEHUB_REQUEST_TIMEOUT", "10", "serve"},
		{"DUEHUB_INBOUND_DOMAIN", "reply@hub", "serve"},
		{"DUEHUB_INBOUND_SECRET", "short", "serve"},   // and no domain
		{"DUEHUB_INBOUND_SMTP_ADDR", "2525", "serve"}, // and no domain
	}
	for _, c := range cases {
		t.Run(c.env, func(t *testing.T) {
			t.Setenv("DUEHUB_DATABASE_URL", filepath.Join(t.TempDir(), "hub.db"))
			t.Setenv(c.env, c.value)
			code, _, errOut := duehub(ctx, strings.Fields(c.args)...)
			if code != 2 || !strings.Contains(errOut, c.env) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
				t.Fatalf("exit %d, stderr %q: want 2 and one line naming %s", code, errOut, c.env)
			}
		})
	}
	if code, _, errOut := duehub(ctx, "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Fatalf("unknown command: %d %q", code, errOut)
	}
	if code, out, _ := duehub(ctx, "serve", "--help"); code != 0 || !strings.Contains(out, "DUEHUB_ADDR") {
		t.Fatalf("serve --help: %d %q", code, out)
	}
}

func TestServeRefusesASchemaThatIsBehind(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "hub.db")
	code, _, errOut := duehub(ctx, "serve", "--migrate=false", "--database-url", db, "--addr", "127.0.0.1:0")
	if code == 0 || !strings.Contains(errOut, "duehub migrate") {
		t.Fatalf("serve on an empty schema: %d %q", code, errOut)
	}
	if code, out, _ := duehub(ctx, "migrate", "--database-url", db); code != 0 || !strings.Contains(out, "schema at version") {
		t.Fatalf("migrate: %d %q", code, out)
	}
	// Now current, the same serve starts.
	base, stop := startServe(t, "--migrate=false", "--database-url", db)
	waitReady(t, base+"/readyz")
	if code := stop(); code != 0 {
		t.Fatalf("serve on a current schema exited %d", code)
	}
}

// TestServeRunsAndStopsGracefully starts the real server on SQLite with no
// configuration but a port, pushes an invoice over HTTP and stops it.
func TestServeRunsAndStopsGracefully(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir) // the default database is duehub.db in the working directory
	base, stop := startServe(t)
	waitReady(t, base+"/readyz")

	_, out, _ := duehub(context.Background(), "vendors", "create", "--name", "Northwind", "--json")
	var created struct {
		APIKey string `json:"api_key"`
	}
	json.Unmarshal([]byte(out), &created)
	body := `{"customer":{"external_id":"C-1","email":"ap@acme.example"},"currency":"USD","amount_due":100,"due_date":"2026-12-01"}`
	req, _ := http.NewRequest("PUT", base+"/v1/invoices/INV-1", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+created.APIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("PUT through the served hub: %v %v", resp, err)
	}
	resp.Body.Close()
	if _, err := os.Stat(filepath.Join(dir, "duehub.db")); err != nil {
		t.Fatalf("the default SQLite file was not created in the working directory: %v", err)
	}

	if code := stop(); code != 0 {
		t.Fatalf("serve exited %d after SIGTERM-like cancel", code)
	}
}

// startServe runs `duehub serve` on a free port; stop cancels it (as
// SIGTERM does) and returns its exit code.
func startServe(t *testing.T, args ...string) (string, func() int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		code, _, _ := duehub(ctx, append([]string{"serve", "--addr", addr}, args...)...)
		done <- code
	}()
	return "http://" + addr, func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(20 * time.Second):
			t.Fatal("serve did not shut down")
			return -1
		}
	}
}

func waitReady(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second) // migrations on a loaded machine
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal(fmt.Sprintf("%s never became ready", url))
}

func TestDigestsRunJSON(t *testing.T) {
	db := filepath.Join(t.TempDir(), "hub.db")
	ctx := context.Background()
	_, out, _ := duehub(ctx, "vendors", "create", "--name", "Northwind", "--json", "--database-url", db)
	var created struct {
		VendorID string `json:"vendor_id"`
	}
	json.Unmarshal([]byte(out), &created)
	code, out, errOut := duehub(ctx, "digests", "run", "--now", "2026-11-23T14:00:00Z", "--json", "--database-url", db)
	if code != 0 {
		t.Fatalf("digests run: %d %s", code, errOut)
	}
	var rep struct {
		Now        string         `json:"now"`
		Considered *int           `json:"considered"`
		Sent       *int           `json:"sent"`
		Skipped    map[string]int `json:"skipped"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Now != "2026-11-23T14:00:00Z" || rep.Considered == nil || rep.Sent == nil || rep.Skipped == nil {
		t.Fatalf("digests run --json printed %q (%v)", out, err)
	}
	if code, _, errOut := duehub(ctx, "digests", "run", "--now", "monday", "--database-url", db); code != 2 || !strings.Contains(errOut, "--now") {
		t.Fatalf("bad --now: %d %q", code, errOut)
	}
}
