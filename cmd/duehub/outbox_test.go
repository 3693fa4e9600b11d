package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
)

// TestOutboxPagesOnlyWithoutRealProviders runs the real server: a hub with
// no provider shows its dev outbox; a hub that sends real email (SMS unset)
// serves no outbox pages at all, and with DUEHUB_OPERATOR_TOKEN serves them
// only to a request carrying the token. On that hub SMS is off: its SMS
// digests are skipped with the reason channel_off, not written into a page.
func TestOutboxPagesOnlyWithoutRealProviders(t *testing.T) {
	const token = "operator-token-operator-token-0123456789"
	pages := []string{"/dev/outbox", "/dev/outbox.json", "/dev/outbox/1"}
	get := func(t *testing.T, url, auth string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// SendGrid is never reached here: no digest goes to an email address.
	sg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected SendGrid call %s", r.URL)
	}))
	defer sg.Close()

	for name, dbURL := range map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "hub.db") },
		"postgres": func(t *testing.T) string { return dbtest.PostgresURL(t) },
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := dbURL(t)
			t.Setenv("DUEHUB_SMS", "")
			t.Setenv("DUEHUB_OPERATOR_TOKEN", "")

			// No provider at all: a development hub, outbox open.
			t.Setenv("DUEHUB_EMAIL", "outbox")
			base, stop := startServe(t, "--database-url", db)
			waitReady(t, base+"/readyz")
			for _, p := range pages[:2] {
				if code := get(t, base+p, ""); code != 200 {
					t.Errorf("dev hub %s: %d, want 200", p, code)
				}
			}
			stop()

			// Real email, SMS unset: no outbox pages.
			t.Setenv("DUEHUB_EMAIL", "sendgrid")
			t.Setenv("DUEHUB_SENDGRID_API_KEY", "SG.test")
			t.Setenv("DUEHUB_SENDGRID_HOST", sg.URL)
			base, stop = startServe(t, "--database-url", db)
			waitReady(t, base+"/readyz")
			for _, p := range pages {
				if code := get(t, base+p, ""); code != 404 {
					t.Errorf("real-email hub %s: %d, want 404", p, code)
				}
			}
			stop()

			// The same hub with an operator token: only with the token.
			t.Setenv("DUEHUB_OPERATOR_TOKEN", token)
			base, stop = startServe(t, "--database-url", db)
			waitReady(t, base+"/readyz")
			for _, p := range pages {
				for _, auth := range []string{"", "Bearer wrong-token", "Basic " + token, token, "Bearer " + token + "x"} {
					if code := get(t, base+p, auth); code != 401 {
						t.Errorf("%s with Authorization %q: %d, want 401", p, auth, code)
					}
				}
				if code := get(t, base+p+"?token="+token, ""); code != 401 {
					t.Errorf("%s with the token in the query: %d, want 401", p, code)
				}
			}
			for _, p := range pages[:2] {
				for _, auth := range []string{"Bearer " + token, "bearer " + token} {
					if code := get(t, base+p, auth); code != 200 {
						t.Errorf("%s with %q: %d, want 200", p, auth[:6], code)
					}
				}
			}

			// SMS is off on this hub: an SMS-only payer's digest is skipped, with its reason.
			_, out, _ := duehub(ctx, "vendors", "create", "--name", "Northwind", "--json", "--database-url", db)
			var created struct {
				APIKey string `json:"api_key"`
			}
			json.Unmarshal([]byte(out), &created)
			body := `{"customer":{"external_id":"C-1","phone":"+15551230000","sms_consent":true,"sms_consent_source":"form"},` +
				`"currency":"USD","amount_due":100,"due_date":"2026-11-20","pay_url":"https://pay.example/1"}`
			req, _ := http.NewRequest("PUT", base+"/v1/invoices/INV-1", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+created.APIKey)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != 201 {
				t.Fatalf("PUT: %v %v", resp, err)
			}
			resp.Body.Close()
			stop() // digests run --now refuses to plan beside a live serve
			code, out, errOut := duehub(ctx, "digests", "run", "--now", "2026-11-24T17:00:00Z", "--json", "--database-url", db)
			if code != 0 {
				t.Fatalf("digests run: %d %s", code, errOut)
			}
			var rep struct {
				Sent    int            `json:"sent"`
				Skipped map[string]int `json:"skipped"`
			}
			if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Sent != 0 || rep.Skipped["channel_off"] != 1 {
				t.Fatalf("digests run on a hub with SMS off: %s (%v); want sent 0 and skipped channel_off 1", out, err)
			}
			store, err := database.Open(ctx, db, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			var n int64
			if err := store.Gorm.Table("outbox_messages").Count(&n).Error; err != nil || n != 0 {
				t.Fatalf("%d messages in the outbox (%v), want none", n, err)
			}
		})
	}
}
