package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
)

// TestAPIAnswersWhileServePlansOnSQLite: serve on a SQLite file with 2,000
// payers whose window has just come plans and sends all their digests
// through River, on the one connection SQLite has, while a vendor reads an
// invoice over the API again and again. No request may wait for the pass:
// each answers within 2 s (a stall, not a speed limit: the latencies are
// logged and the bench measures them). The pass used to hold the
// connection for the whole scan, and forever once 500 digests were due.
// It stops when every digest is sent, or after 25 s.
func TestAPIAnswersWhileServePlansOnSQLite(t *testing.T) {
	if raceEnabled {
		t.Skip("waits are bounded in time, which the race detector's slowdown makes meaningless")
	}
	const payers = 2000
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "hub.db")
	code, out, errOut := duehub(ctx, "vendors", "create", "--name", "Northwind", "--json", "--database-url", db)
	if code != 0 {
		t.Fatalf("vendors create: %d %s", code, errOut)
	}
	var created struct {
		VendorID string `json:"vendor_id"`
		APIKey   string `json:"api_key"`
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatal(err)
	}
	store, err := database.Open(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	seedWindowJustCame(t, store, created.VendorID, payers)

	base, stop := startServe(t, "--database-url", db, "--rate-api", "off", "--log-level", "error")
	defer stop()
	var waits []time.Duration
	deadline := time.Now().Add(25 * time.Second)
	sent := int64(0)
	var lastCheck time.Time
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest("GET", base+"/v1/invoices/INV-1", nil)
		req.Header.Set("Authorization", "Bearer "+created.APIKey)
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil { // serve is still starting
			time.Sleep(20 * time.Millisecond)
			continue
		}
		resp.Body.Close()
		waits = append(waits, time.Since(start))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET an invoice during the pass: %d", resp.StatusCode)
		}
		if time.Since(lastCheck) > 250*time.Millisecond {
			lastCheck = time.Now()
			if err := store.Gorm.Raw(`SELECT COUNT(*) FROM digests WHERE status = 'sent'`).Scan(&sent).Error; err != nil {
				t.Fatal(err)
			}
			if sent >= payers {
				break
			}
		}
	}
	if len(waits) == 0 {
		t.Fatal("serve never answered")
	}
	slices.Sort(waits)
	p := func(q float64) time.Duration { return waits[int(q*float64(len(waits)-1))] }
	t.Logf("%d GETs while serve planned and sent %d digests: p50 %v, p99 %v, max %v",
		len(waits), sent, p(0.5), p(0.99), waits[len(waits)-1])
	// Sending all of them may outlast the 25 s on a busy machine; planning
	// them may not.
	var reserved int64
	if err := store.Gorm.Raw(`SELECT COUNT(*) FROM digests`).Scan(&reserved).Error; err != nil || reserved != payers {
		t.Errorf("serve reserved %d of %d digests (%v)", reserved, payers, err)
	}
	if worst := waits[len(waits)-1]; worst > 2*time.Second {
		t.Errorf("a request waited %v while serve planned", worst)
	}
}

// seedWindowJustCame writes count payers, each with an email contact, a
// customer of the vendor and an invoice overdue since yesterday, on a
// weekly schedule whose window was two minutes ago on the real clock: all
// are due at serve's first pass.
func seedWindowJustCame(t *testing.T, db *database.DB, vendorID string, count int) {
	t.Helper()
	now := time.Now().UTC()
	w := now.Add(-2 * time.Minute)
	due := w.AddDate(0, 0, -1).Format("2006-01-02")
	seq := `WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?) `
	for _, s := range []struct {
		sql  string
		args []any
	}{
		{seq + `INSERT INTO payers (key, timezone, cadence, weekday, send_hour, send_minute, created_at, updated_at)
			SELECT 'email:ap' || n || '@many.example', 'UTC', 'weekly', ?, ?, ?, ?, ? FROM seq`,
			[]any{count, int(w.Weekday()), w.Hour(), w.Minute(), now, now}},
		{`INSERT INTO payer_contacts (payer_id, kind, value, created_at)
			SELECT id, 'email', substr(key, 7), ? FROM payers`, []any{now}},
		{`INSERT INTO customers (vendor_id, external_id, name, email, payer_id, created_at, updated_at)
			SELECT ?, 'C-' || id, 'Acme ' || id, substr(key, 7), id, ?, ? FROM payers`, []any{vendorID, now, now}},
		{`INSERT INTO invoices (vendor_id, external_id, number, customer_id, currency, amount_due,
				amount_remaining, due_date, status, created_at, updated_at)
			SELECT vendor_id, 'INV-' || id, 'INV-' || id, id, 'USD', 1000, 1000, ?, 'open', ?, ?
			FROM customers`, []any{due, now, now}},
	} {
		if err := db.Gorm.Exec(s.sql, s.args...).Error; err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
	var n int64
	if err := db.Gorm.Raw(`SELECT COUNT(*) FROM invoices`).Scan(&n).Error; err != nil || n != int64(count) {
		t.Fatalf("seeded %d invoices (%v)", n, fmt.Sprint(err))
	}
}
