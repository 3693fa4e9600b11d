package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/metrics"
)

// TestOperatorAfterDemo runs the demo, then what an operator does (issue
// 15): /metrics exposes every duehub_ series with the demo's digests
// counted; admins create, keys create and payers erase are audited as the
// CLI; backup copies the SQLite database and refuses PostgreSQL.
func TestOperatorAfterDemo(t *testing.T) {
	for name, dbURL := range map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "hub.db") },
		"postgres": func(t *testing.T) string { return dbtest.PostgresURL(t) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv("DUEHUB_SECRET", "")
			ctx := context.Background()
			dbu := dbURL(t)
			demo := runDemo(t, ctx, []string{"demo", "--json", "--now", "2026-11-24T14:00:00Z", "--database-url", dbu, "--base-url", "http://hub.test"})
			if demo.DigestsSent == 0 {
				t.Fatalf("demo sent nothing: %+v", demo)
			}
			db, err := database.Open(ctx, dbu, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()

			// /metrics, as serve registers it.
			reg := prometheus.NewRegistry()
			reg.MustRegister(metrics.New(db.Gorm, nil))
			srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
			defer srv.Close()
			resp, err := http.Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			text := string(body)
			for _, series := range []string{"duehub_digests_total", "duehub_provider_errors_total", "duehub_suppressions",
				"duehub_webhook_deliveries_total", "duehub_digests_pending", "duehub_queue_jobs", "duehub_queue_oldest_job_age_seconds",
				"duehub_inbound_messages_total", "duehub_provider_events_total", "duehub_vendors"} {
				if !strings.Contains(text, "\n"+series+"{") {
					t.Errorf("/metrics lacks %s", series)
				}
			}
			m := regexp.MustCompile(`duehub_digests_total\{channel="email",outcome="sent"\} (\d+)`).FindStringSubmatch(text)
			if m == nil || m[1] == "0" {
				t.Errorf("sent email digests not counted: %v (demo sent %d)", m, demo.DigestsSent)
			}
			if !strings.Contains(text, `duehub_vendors{status="active"} `+strconv.Itoa(demo.Vendors)) {
				t.Errorf("vendors not counted:\n%s", grepLines(text, "duehub_vendors"))
			}
			if strings.Contains(text, "vendor_id") || strings.Contains(text, "payer_id") {
				t.Error("a series is labelled by vendor or payer")
			}
			if !strings.Contains(text, "duehub_metrics_scrape_errors 0") {
				t.Errorf("a metrics query failed:\n%s", grepLines(text, "scrape_errors"))
			}

			// Operator commands, audited as the CLI.
			if code, out, errOut := duehub(ctx, "admins", "create", "--email", "ops@hub.example", "--database-url", dbu); code != 0 {
				t.Fatalf("admins create: %d %s %s", code, out, errOut)
			}
			if code, _, errOut := duehub(ctx, "admins", "create", "--email", "nope", "--database-url", dbu); code != 2 || !strings.Contains(errOut, "--email") {
				t.Fatalf("admins create with a bad address: %d %s", code, errOut)
			}
			if code, _, errOut := duehub(ctx, "keys", "create", "--vendor", demo.VendorID, "--database-url", dbu); code != 0 {
				t.Fatalf("keys create: %s", errOut)
			}
			var payerEmail string
			db.Gorm.Raw(`SELECT value FROM payer_contacts WHERE kind = 'email' ORDER BY id LIMIT 1`).Scan(&payerEmail)
			code, out, errOut := duehub(ctx, "payers", "erase", "--email", payerEmail, "--json", "--database-url", dbu)
			if code != 0 {
				t.Fatalf("payers erase: %d %s", code, errOut)
			}
			var rep struct {
				PayerIDs  []int64 `json:"payer_ids"`
				Customers int64   `json:"customers"`
			}
			if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.PayerIDs) != 1 || rep.Customers == 0 {
				t.Fatalf("payers erase printed %q: %v", out, err)
			}
			var hits int64
			db.Gorm.Table("customers").Where("email = ?", payerEmail).Count(&hits)
			if hits != 0 {
				t.Fatal("the erased address is still on a customer record")
			}
			var kinds []string
			db.Gorm.Raw(`SELECT action FROM audit_log WHERE actor_kind = 'cli' ORDER BY id`).Scan(&kinds)
			got := strings.Join(kinds, ",")
			for _, want := range []string{"admin.created", "key.created", "payer.erased"} {
				if !strings.Contains(got, want) {
					t.Errorf("no CLI audit row %s in %s", want, got)
				}
			}

			// Backup.
			to := filepath.Join(t.TempDir(), "backup.db")
			code, _, errOut = duehub(ctx, "backup", "--to", to, "--database-url", dbu)
			if name == "postgres" {
				if code != 2 || !strings.Contains(errOut, "pg_dump") {
					t.Fatalf("backup on PostgreSQL: %d %s", code, errOut)
				}
				return
			}
			if code != 0 {
				t.Fatalf("backup: %d %s", code, errOut)
			}
			copyDB, err := sql.Open("sqlite", to)
			if err != nil {
				t.Fatal(err)
			}
			defer copyDB.Close()
			var n int
			if err := copyDB.QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'payer.erased'`).Scan(&n); err != nil || n != 1 {
				t.Fatalf("backup lacks the audit log: %d %v", n, err)
			}
			if code, _, errOut := duehub(ctx, "backup", "--to", to, "--database-url", dbu); code != 2 || !strings.Contains(errOut, "exists") {
				t.Fatalf("backup over an existing file: %d %s", code, errOut)
			}
			if fi, err := os.Stat(to); err != nil || fi.Size() == 0 {
				t.Fatalf("backup file: %v", err)
			}
		})
	}
}

func grepLines(text, sub string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
