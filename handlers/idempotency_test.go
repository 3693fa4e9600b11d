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

// TestRefusedRequestKeepsItsKey: a request refused as sent (422, 400)
// changed nothing, so its Idempotency-Key stays free: the same key with the
// body fixed runs and is stored; from then on the key replays that success.
func TestRefusedRequestKeepsItsKey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north := h.vendor("Northwind Supplies")
		key := h.apiKey(north)
		api := h.api()
		bad := map[string]any{"email": "dana-at-northwind", "role": "agent"}
		fixed := map[string]any{"email": "dana@northwind.example", "role": "agent"}

		p := api.do("POST", "/v1/members", key, bad, "Idempotency-Key", "invite-dana").problem(t, 422)
		fieldMessage(t, p.Errors, "email")
		// A second refusal with the same key is refused afresh, not replayed.
		if r := api.do("POST", "/v1/members", key, bad, "Idempotency-Key", "invite-dana"); r.header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("a refusal was replayed: %d %s", r.status, r.body)
		}

		first := api.do("POST", "/v1/members", key, fixed, "Idempotency-Key", "invite-dana")
		if first.status != 201 || first.header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("fixed body with the same key: %d %s", first.status, first.body)
		}
		if n := h.api().count("vendor_members", "vendor_id = ? AND email = ?", north, "dana@northwind.example"); n != 1 {
			t.Fatalf("%d members stored, want 1", n)
		}

		replay := api.do("POST", "/v1/members", key, fixed, "Idempotency-Key", "invite-dana")
		if replay.status != 201 || !bytes.Equal(replay.body, first.body) || replay.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay: %d %s (first %s)", replay.status, replay.body, first.body)
		}
		if n := h.api().count("vendor_members", "vendor_id = ?", north); n != 1 {
			t.Fatalf("the replay invited again: %d members", n)
		}
		if len(h.mailsTo("dana@northwind.example")) != 1 {
			t.Fatal("the replay sent the invitation again")
		}
		// The key now belongs to the request that ran.
		if p := api.do("POST", "/v1/members", key, bad, "Idempotency-Key", "invite-dana").problem(t, 422); p.Code != "idempotency_key_reused" {
			t.Fatalf("the bad body after success: %q", p.Code)
		}

		// Malformed JSON (400) does not burn the key of a batch either.
		batch := "/v1/invoices/batch"
		api.do("POST", batch, key, `{"invoices": [`, "Idempotency-Key", "push-7").problem(t, 400)
		ok := api.do("POST", batch, key, map[string]any{"invoices": []any{invoice("INV-7")}}, "Idempotency-Key", "push-7")
		if ok.status != 200 || ok.header.Get("Idempotent-Replayed") != "" || h.api().count("invoices", "vendor_id = ? AND external_id = ?", north, "INV-7") != 1 {
			t.Fatalf("batch after a malformed one with the same key: %d %s", ok.status, ok.body)
		}
	})
}
