package handlers

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/vendors"
)

var requestIDField = regexp.MustCompile(`,"request_id":"[^"]*"`)

func TestEveryBadKeyGetsTheSame401(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newHub(t, db)
		vid, key := h.vendor("Northwind")
		revoked, k, err := h.vendors.CreateKey(context.Background(), vid)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.vendors.RevokeKey(context.Background(), k.Prefix); err != nil {
			t.Fatal(err)
		}
		wrongSecret := key[:len(key)-1] + map[bool]string{true: "b", false: "a"}[strings.HasSuffix(key, "a")]
		unknown := "dh_live_" + strings.Repeat("Z", 40)

		var first []byte
		for name, header := range map[string]string{
			"missing":      "",
			"not bearer":   "Basic " + key,
			"malformed":    "Bearer dh_test_abc",
			"short":        "Bearer dh_live_abc",
			"unknown":      "Bearer " + unknown,
			"wrong secret": "Bearer " + wrongSecret,
			"revoked":      "Bearer " + revoked,
		} {
			r := h.do("GET", "/v1/invoices", "", nil, "Authorization", header)
			r.problem(t, 401)
			if r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s: no WWW-Authenticate", name)
			}
			// Only the request's own id may differ.
			body := requestIDField.ReplaceAll(r.body, nil)
			if first == nil {
				first = body
			} else if !bytes.Equal(first, body) {
				t.Errorf("%s: body %s differs from %s: it tells keys apart", name, r.body, first)
			}
		}
		if r := h.do("GET", "/v1/invoices", key, nil); r.status != 200 {
			t.Fatalf("good key refused: %d", r.status)
		}
		keys, err := h.vendors.ListKeys(context.Background(), vid)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if strings.HasPrefix(key, k.Prefix) && k.LastUsedAt == nil {
				t.Error("last_used_at not recorded")
			}
			if bytes.Contains(k.Hash, []byte(key)) || len(k.Hash) != 32 {
				t.Error("key not stored as a SHA-256 hash")
			}
		}
	})
}

func TestKeysAreUniqueAndWellFormed(t *testing.T) {
	h := newHub(t, dbtest.SQLite(t))
	vid, _ := h.vendor("Northwind")
	seen := map[string]bool{}
	for range 20 {
		plain, k, err := h.vendors.CreateKey(context.Background(), vid)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(plain, "dh_live_") || len(plain) < len("dh_live_")+32 || !strings.HasPrefix(plain, k.Prefix) {
			t.Fatalf("bad key %q (prefix %q)", plain, k.Prefix)
		}
		if seen[plain] {
			t.Fatal("duplicate key")
		}
		seen[plain] = true
	}
	if _, _, err := h.vendors.CreateKey(context.Background(), 999); err != vendors.ErrNotFound {
		t.Fatalf("key for a missing vendor: %v", err)
	}
}
