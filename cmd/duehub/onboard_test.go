package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/vendors"
)

// TestTestKeysAndApproveCommands (issue 15): keys create --test makes a
// dh_test_ key of the vendor's sandbox, listed with the vendor's keys;
// vendors approve activates a pending vendor and refuses a sandbox.
func TestTestKeysAndApproveCommands(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "hub.db")
	code, out, errOut := duehub(ctx, "vendors", "create", "--name", "Northwind", "--json", "--database-url", db)
	if code != 0 {
		t.Fatalf("vendors create: %d %s", code, errOut)
	}
	var created struct {
		VendorID string `json:"vendor_id"`
	}
	json.Unmarshal([]byte(out), &created)
	code, out, errOut = duehub(ctx, "keys", "create", "--vendor", created.VendorID, "--test", "--label", "staging", "--json", "--database-url", db)
	var key struct {
		VendorID string `json:"vendor_id"`
		APIKey   string `json:"api_key"`
	}
	if json.Unmarshal([]byte(out), &key); code != 0 || !strings.HasPrefix(key.APIKey, "dh_test_") {
		t.Fatalf("keys create --test: %d %q %q", code, out, errOut)
	}
	_, out, _ = duehub(ctx, "keys", "list", "--vendor", created.VendorID, "--json", "--database-url", db)
	var keys []keyJSON
	if err := json.Unmarshal([]byte(out), &keys); err != nil || len(keys) != 2 || keys[0].Mode != "test" || keys[0].Label != "staging" || keys[1].Mode != "live" {
		t.Fatalf("keys list: %q %v", out, err)
	}

	a, err := openApp(ctx, config{DatabaseURL: db, Migrate: true, LogLevel: "error"})
	if err != nil {
		t.Fatal(err)
	}
	v, _, err := a.vendors.SignUp(ctx, vendors.NewSignup{Email: "o@newco.example", NewVendor: vendors.NewVendor{Name: "Newco", Domain: "newco.example"}},
		vendors.StatusPending, "jti", time.Now().Add(time.Hour))
	sandbox, _ := a.vendors.SandboxOf(ctx, 1)
	a.Close()
	if err != nil {
		t.Fatal(err)
	}
	if code, out, errOut = duehub(ctx, "vendors", "approve", "--database-url", db, strconv.FormatInt(v.ID, 10)); code != 0 || !strings.Contains(out, "active") {
		t.Fatalf("vendors approve: %d %q %q", code, out, errOut)
	}
	if code, _, errOut = duehub(ctx, "vendors", "approve", "--database-url", db, strconv.FormatInt(sandbox.ID, 10)); code == 0 || !strings.Contains(errOut, "sandbox") {
		t.Errorf("approving a sandbox: %d %q", code, errOut)
	}
}
