package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/vendors"
)

// TestServeDeliversWebhooks runs the real server with private targets
// allowed: an event recorded in the database reaches a local receiver,
// signed, through the jobs `serve` runs. Without the setting, the same
// receiver cannot be registered.
func TestServeDeliversWebhooks(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "hub.db")
	var mu sync.Mutex
	var got []http.Header
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		got = append(got, r.Header.Clone())
		mu.Unlock()
	}))
	defer rc.Close()

	_, out, _ := duehub(ctx, "vendors", "create", "--name", "Northwind", "--json", "--database-url", db)
	var created struct {
		VendorID string `json:"vendor_id"`
		APIKey   string `json:"api_key"`
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatalf("vendors create: %v %q", err, out)
	}
	register := func(base string) int {
		body := `{"url":"` + rc.URL + `/hook"}`
		req, _ := http.NewRequest("POST", base+"/v1/webhook-endpoints", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+created.APIKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	base, stop := startServe(t, "--database-url", db, "--webhooks-allow-private=false")
	waitReady(t, base+"/readyz")
	if code := register(base); code != 422 {
		t.Errorf("a loopback http receiver with the guard on: %d, want 422", code)
	}
	stop()

	t.Setenv("DUEHUB_WEBHOOKS_ALLOW_PRIVATE", "true")
	base, stop = startServe(t, "--database-url", db)
	defer stop()
	waitReady(t, base+"/readyz")
	if code := register(base); code != 201 {
		t.Fatalf("a loopback http receiver with private targets allowed: %d, want 201", code)
	}
	store, err := database.Open(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	vendorID, _ := strconv.ParseInt(created.VendorID, 10, 64)
	if err := vendors.NewStore(store.Gorm, nil, time.Now).RecordEvent(ctx, vendorID, "pay.clicked", map[string]string{"invoice": "INV-1"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n > 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	var ids []string
	if err := store.Gorm.Table("events").Where("vendor_id = ?", vendorID).Pluck("public_id", &ids).Error; err != nil || len(ids) != 1 {
		t.Fatalf("events %v, %v", ids, err)
	}
	if len(got) != 1 || got[0].Get("Duehub-Event-Id") != ids[0] || !strings.HasPrefix(got[0].Get("Duehub-Signature"), "t=") {
		t.Fatalf("the receiver got %v", got)
	}
}

func TestWebhooksAllowPrivateMustBeABoolean(t *testing.T) {
	t.Setenv("DUEHUB_DATABASE_URL", filepath.Join(t.TempDir(), "hub.db"))
	t.Setenv("DUEHUB_WEBHOOKS_ALLOW_PRIVATE", "sometimes")
	code, _, errOut := duehub(context.Background(), "serve")
	if code != 2 || !strings.Contains(errOut, "DUEHUB_WEBHOOKS_ALLOW_PRIVATE") {
		t.Fatalf("exit %d, stderr %q: want 2 naming DUEHUB_WEBHOOKS_ALLOW_PRIVATE", code, errOut)
	}
}
