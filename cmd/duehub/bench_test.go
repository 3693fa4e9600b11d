package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `duehub bench` refuses, before opening anything, a database it may not
// wipe: a PostgreSQL database not named *_bench, and an existing SQLite file
// not named *_bench, which is left as it was.
func TestBenchRefusesToWipe(t *testing.T) {
	ctx := context.Background()
	hub := filepath.Join(t.TempDir(), "hub.db")
	if err := os.WriteFile(hub, []byte("a real hub"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"bench", "--database-url", "postgres://u@127.0.0.1:1/duehub", "--scale", "0.01"},
		{"bench", "--database", "sqlite", "--sqlite-path", hub, "--scale", "0.01"},
	} {
		code, _, errOut := duehub(ctx, args...)
		if code == 0 || !strings.Contains(errOut, "refusing to wipe") {
			t.Errorf("%v: exit %d, %q", args, code, errOut)
		}
	}
	if raw, err := os.ReadFile(hub); err != nil || string(raw) != "a real hub" {
		t.Errorf("the hub's file after the refusal: %q %v", raw, err)
	}
	code, _, errOut := duehub(ctx, "bench", "--database", "mysql")
	if code == 0 || !strings.Contains(errOut, "postgres or sqlite") {
		t.Errorf("--database mysql: exit %d, %q", code, errOut)
	}
}
