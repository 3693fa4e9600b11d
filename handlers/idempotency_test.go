package handlers

import (
	"bytes"
	"context"
	"testing"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
)

func TestIdempotencyKey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newHub(t, db)
		vidA, keyA := h.vendor("Northwind")
		_, keyB := h.vendor("Contoso")
		batch := map[string]any{"invoices": []any{invoice("INV-1")}}

		first := h.do("POST", "/v1/invoices/batch", keyA, batch, "Idempotency-Key", "push-1")
		if first.status != 200 {
			t.Fatalf("first: %d %s", first.status, first.body)
		}
		// Change the stored invoice behind the key's back: a replay must not re-run the push.
		h.do("PUT", "/v1/invoices/INV-1", keyA, invoice("INV-1", set("memo", "changed")))

		replay := h.do("POST", "/v1/invoices/batch", keyA, batch, "Idempotency-Key", "push-1")
		if replay.status != first.status || !bytes.Equal(replay.body, first.body) {
			t.Fatalf("replay differs:\n%s\n%s", first.body, replay.body)
		}
		if replay.header.Get("Idempotent-Replayed") != "true" {
			t.Error("replay not marked")
		}
		var got invoiceResponse
		h.do("GET", "/v1/invoices/INV-1", keyA, nil).json(t, &got)
		if got.Memo != "changed" {
			t.Fatal("the replay ran the push again")
		}

		other := map[string]any{"invoices": []any{invoice("INV-2")}}
		p := h.do("POST", "/v1/invoices/batch", keyA, other, "Idempotency-Key", "push-1").problem(t, 422)
		if p.Code != "idempotency_key_reused" {
			t.Fatalf("code = %q", p.Code)
		}
		if h.count("invoices", "external_id = ?", "INV-2") != 0 {
			t.Fatal("a reused key stored its new body")
		}

		// Keys belong to one vendor: vendor B's "push-1" is its own.
		if r := h.do("POST", "/v1/invoices/batch", keyB, other, "Idempotency-Key", "push-1"); r.status != 200 {
			t.Fatalf("vendor B blocked by vendor A's key: %d %s", r.status, r.body)
		}

		// A key whose first request is still running.
		if _, err := h.vendors.BeginIdempotent(context.Background(), vidA, "running", "h"); err != nil {
			t.Fatal(err)
		}
		if p := h.do("POST", "/v1/invoices/batch", keyA, batch, "Idempotency-Key", "running").problem(t, 409); p.Code != "idempotency_key_in_flight" {
			t.Fatalf("code = %q", p.Code)
		}

		// Without a key, each POST runs.
		h.do("POST", "/v1/invoices/batch", keyA, other)
		if h.count("invoices", "external_id = ?", "INV-2") != 2 {
			t.Fatal("POST without a key did not run")
		}
	})
}
