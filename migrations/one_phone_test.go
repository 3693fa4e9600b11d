package migrations_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
)

// Before 00013 one number could be a contact of several payers. The
// migration keeps it with the payer that had it first and moves the
// phone-only customers of the others there, so the unique index can be
// built on a database that already has such duplicates.
func TestMigrationKeepsEachNumberWithOnePayer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		g := db.Gorm
		now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		exec := func(sql string, args ...any) {
			t.Helper()
			if err := g.Exec(sql, args...).Error; err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
		}
		exec("DROP INDEX payer_contacts_phone") // the schema as it was before 00013
		exec("INSERT INTO vendors (id, name, created_at, updated_at) VALUES (1, 'Northwind', ?, ?)", now, now)
		exec("INSERT INTO payers (id, key, created_at, updated_at) VALUES (1, 'email:ap@acme.example', ?, ?), (2, 'phone:+15551230000', ?, ?)", now, now, now, now)
		exec(`INSERT INTO payer_contacts (id, payer_id, kind, value, created_at) VALUES
			(1, 1, 'email', 'ap@acme.example', ?), (2, 1, 'phone', '+15551230000', ?), (3, 2, 'phone', '+15551230000', ?)`, now, now, now)
		exec(`INSERT INTO customers (vendor_id, external_id, email, phone, payer_id, created_at, updated_at) VALUES
			(1, 'ACME', 'ap@acme.example', '+15551230000', 1, ?, ?), (1, 'K9', '', '+15551230000', 2, ?, ?)`, now, now, now, now)

		for _, stmt := range phoneStatements(t, string(db.Dialect)) {
			exec(stmt)
		}
		var holders []int64
		g.Table("payer_contacts").Where("kind = 'phone'").Pluck("payer_id", &holders)
		if len(holders) != 1 || holders[0] != 1 {
			t.Fatalf("the number is held by %v, want the first payer only", holders)
		}
		var k9 int64
		g.Table("customers").Select("payer_id").Where("external_id = 'K9'").Scan(&k9)
		if k9 != 1 {
			t.Fatalf("the phone-only customer is on payer %d, want 1", k9)
		}
		if err := g.Exec("INSERT INTO payer_contacts (payer_id, kind, value, created_at) VALUES (2, 'phone', '+15551230000', ?)", now).Error; err == nil {
			t.Fatal("a second payer could take the number after the migration")
		}
	})
}

// phoneStatements returns the statements of 00013 up to the unique index.
func phoneStatements(t *testing.T, dialect string) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dialect, "00013_one_phone_applied_amounts.sql"))
	if err != nil {
		t.Fatal(err)
	}
	up, _, _ := strings.Cut(string(raw), "-- What the hub itself settled")
	var out []string
	for _, s := range strings.Split(up, ";") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	if len(out) != 3 {
		t.Fatalf("expected 3 statements before the amounts, got %d", len(out))
	}
	return out
}
