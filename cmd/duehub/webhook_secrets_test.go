package main

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/vendors"
)

// TestStartUpSealsPlaintextWebhookSecrets: a hub starting on a database
// whose endpoint secret is stored in plain text (as before encryption)
// seals it with the key derived from DUEHUB_SECRET; the same secret still
// signs, and another DUEHUB_SECRET cannot read it.
func TestStartUpSealsPlaintextWebhookSecrets(t *testing.T) {
	for name, dbURL := range map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "hub.db") },
		"postgres": func(t *testing.T) string { return dbtest.PostgresURL(t) },
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			dsn := dbURL(t)
			const hubSecret = "hub-secret-for-this-test-0123456789abcdef"
			t.Setenv("DUEHUB_SECRET", hubSecret)
			code, out, errOut := duehub(ctx, "vendors", "create", "--name", "Northwind", "--json", "--database-url", dsn)
			if code != 0 {
				t.Fatalf("vendors create: %d %s", code, errOut)
			}
			var created struct {
				VendorID string `json:"vendor_id"`
			}
			if err := json.Unmarshal([]byte(out), &created); err != nil {
				t.Fatal(err)
			}
			vendorID, _ := strconv.ParseInt(created.VendorID, 10, 64)
			db, err := database.Open(ctx, dsn, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			const plain = "whsec_legacyLegacyLegacyLegacyLegacyLegacy0"
			now := time.Now().UTC()
			err = db.Gorm.Exec(`INSERT INTO webhook_endpoints (public_id, vendor_id, url, secret, created_at, updated_at)
				VALUES ('we_legacy', ?, 'https://hooks.vendor.example/x', ?, ?, ?)`, vendorID, plain, now, now).Error
			if err != nil {
				t.Fatal(err)
			}

			if code, _, errOut := duehub(ctx, "digests", "run", "--json", "--database-url", dsn); code != 0 {
				t.Fatalf("digests run: %d %s", code, errOut)
			}
			var stored string
			if err := db.Gorm.Raw("SELECT secret FROM webhook_endpoints WHERE public_id = 'we_legacy'").Scan(&stored).Error; err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(stored, "v1:") || strings.Contains(stored, plain) {
				t.Fatalf("after start-up the secret column holds %q", stored)
			}
			store := vendors.NewStore(db.Gorm, nil, time.Now)
			if err := store.UseSecretKey(hubSecret); err != nil {
				t.Fatal(err)
			}
			ep, err := store.GetWebhookEndpoint(ctx, vendorID, "we_legacy")
			if err != nil {
				t.Fatal(err)
			}
			if got, err := store.SigningSecrets(ep, time.Now()); err != nil || len(got) != 1 || got[0] != plain {
				t.Fatalf("signing secrets after sealing: %q, %v", got, err)
			}
			if err := store.UseSecretKey("another-hub-secret-0123456789abcdefgh"); err != nil {
				t.Fatal(err)
			}
			if _, err := store.SigningSecrets(ep, time.Now()); !errors.Is(err, vendors.ErrSecretUnreadable) {
				t.Fatalf("another DUEHUB_SECRET: %v, want ErrSecretUnreadable", err)
			}
		})
	}
}
