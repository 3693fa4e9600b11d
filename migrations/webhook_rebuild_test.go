package migrations

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"
)

// TestSQLiteDeliveriesRebuildKeepsAttempts: migration 00011 rebuilds
// webhook_deliveries on SQLite (to let event_id be NULL). Deliveries and
// their attempts written before it survive, with foreign keys on, and the
// attempts still cascade from the new table.
func TestSQLiteDeliveriesRebuildKeepsAttempts(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hub.db")
	gdb, err := gorm.Open(sqlite.Open(path+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)"), &gorm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	db, err := gdb.DB()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	p, err := provider(ctx, db, SQLite, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 6); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO vendors (id, name, created_at, updated_at) VALUES (1, 'Northwind', '2026-11-01 00:00:00', '2026-11-01 00:00:00')`,
		`INSERT INTO events (id, vendor_id, type, payload, created_at) VALUES (7, 1, 'pay.clicked', '{}', '2026-11-01 00:00:00')`,
		`INSERT INTO webhook_endpoints (id, public_id, vendor_id, url, secret, created_at, updated_at)
			VALUES (3, 'we_1', 1, 'https://hooks.example/x', 'whsec_plain', '2026-11-01 00:00:00', '2026-11-01 00:00:00')`,
		`INSERT INTO webhook_deliveries (id, public_id, vendor_id, endpoint_id, event_id, status, attempts, retry_from, last_error, created_at, updated_at)
			VALUES (5, 'wd_1', 1, 3, 7, 'failed', 2, '2026-11-01 00:00:00', 'HTTP 500', '2026-11-01 00:00:00', '2026-11-01 00:00:00')`,
		`INSERT INTO webhook_attempts (delivery_id, status_code, error, created_at) VALUES (5, 500, 'HTTP 500', '2026-11-01 00:00:00')`,
		`INSERT INTO webhook_attempts (delivery_id, status_code, error, created_at) VALUES (5, 502, 'HTTP 502', '2026-11-01 00:01:00')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	var lastError, secret string
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhook_attempts WHERE delivery_id = 5`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("attempts after the rebuild: %d, %v; want 2", n, err)
	}
	if err := db.QueryRowContext(ctx, `SELECT last_error FROM webhook_deliveries WHERE id = 5 AND event_id = 7 AND test_event_id = ''`).Scan(&lastError); err != nil || lastError != "HTTP 500" {
		t.Fatalf("the delivery after the rebuild: %q, %v", lastError, err)
	}
	if err := db.QueryRowContext(ctx, `SELECT secret FROM webhook_endpoints WHERE id = 3`).Scan(&secret); err != nil || secret != "whsec_plain" {
		t.Fatalf("the endpoint's secret after the migration: %q, %v (the server seals it, not the migration)", secret, err)
	}
	var parent string
	if err := db.QueryRowContext(ctx, `SELECT "table" FROM pragma_foreign_key_list('webhook_attempts')`).Scan(&parent); err != nil || parent != "webhook_deliveries" {
		t.Fatalf("webhook_attempts references %q, %v", parent, err)
	}
	rows, err := db.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		t.Fatal(err)
	}
	if rows.Next() {
		t.Error("foreign key violations after the rebuild")
	}
	rows.Close()
	// A test delivery has no event; a delivery must have one or the other.
	if _, err := db.ExecContext(ctx, `INSERT INTO webhook_deliveries (public_id, vendor_id, endpoint_id, test_event_id, retry_from, created_at, updated_at)
		VALUES ('wd_t', 1, 3, 'evt_test_1', '2026-11-02 00:00:00', '2026-11-02 00:00:00', '2026-11-02 00:00:00')`); err != nil {
		t.Fatalf("a test delivery: %v", err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO webhook_deliveries (public_id, vendor_id, endpoint_id, retry_from, created_at, updated_at)
		VALUES ('wd_none', 1, 3, '2026-11-02 00:00:00', '2026-11-02 00:00:00', '2026-11-02 00:00:00')`); err == nil {
		t.Error("a delivery with neither an event nor a test event was stored")
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE id = 5`); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhook_attempts`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("attempts of a deleted delivery: %d, %v; want 0 (cascade)", n, err)
	}
}
