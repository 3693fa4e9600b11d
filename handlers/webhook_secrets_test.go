package handlers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
)

// storedSecret reads an endpoint's secret column as the database holds it.
func storedSecret(t *testing.T, db *database.DB, publicID string) string {
	t.Helper()
	var s string
	if err := db.Gorm.Raw("SELECT secret FROM webhook_endpoints WHERE public_id = ?", publicID).Scan(&s).Error; err != nil {
		t.Fatal(err)
	}
	return s
}

// TestWebhookSecretsEncryptedAtRest: the secret column never holds the
// secret; a row stored in plain text before encryption still signs, and is
// sealed by the start-up upgrade; a hub whose DUEHUB_SECRET changed says so
// in the delivery log, keeps the delivery, and signs again after a roll.
func TestWebhookSecretsEncryptedAtRest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		h := newOutHub(t, db, liftedGuard())
		a, key := h.vendor("Northwind")
		rc, quiet := newHookReceiver(t), newHookReceiver(t)
		ep := h.endpoint(key, map[string]any{"url": rc.URL + "/hook"})
		other := h.endpoint(key, map[string]any{"url": quiet.URL + "/hook", "event_types": []string{"thread.resolved"}})

		sealed := storedSecret(t, db, ep.ID)
		if !strings.HasPrefix(sealed, "v1:") || strings.Contains(sealed, ep.Secret) || strings.Contains(sealed, strings.TrimPrefix(ep.Secret, "whsec_")) {
			t.Fatalf("the secret column holds %q for secret %q", sealed, ep.Secret)
		}
		if storedSecret(t, db, other.ID) == sealed {
			t.Fatal("two endpoints' sealed secrets are equal")
		}
		h.record(a, "question.created")
		h.deliver()
		hits := rc.received()
		if len(hits) != 1 {
			t.Fatalf("got %d webhooks", len(hits))
		}
		verifyHookSignature(t, ep.Secret, hits[0].header.Get("Duehub-Signature"), hits[0].body)

		// A row as it was before secrets were encrypted.
		if err := db.Gorm.Exec("UPDATE webhook_endpoints SET secret = ? WHERE public_id = ?", ep.Secret, ep.ID).Error; err != nil {
			t.Fatal(err)
		}
		h.record(a, "dispute.created")
		h.deliver()
		if hits = rc.received(); len(hits) != 2 {
			t.Fatalf("a plaintext row: got %d webhooks", len(hits))
		}
		verifyHookSignature(t, ep.Secret, hits[1].header.Get("Duehub-Signature"), hits[1].body)
		if n, err := h.vendors.SealPlaintextSecrets(ctx); err != nil || n != 1 {
			t.Fatalf("upgrade sealed %d secrets, %v; want 1", n, err)
		}
		if n, err := h.vendors.SealPlaintextSecrets(ctx); err != nil || n != 0 {
			t.Fatalf("a second upgrade sealed %d secrets, %v; want 0", n, err)
		}
		if s := storedSecret(t, db, ep.ID); !strings.HasPrefix(s, "v1:") || strings.Contains(s, ep.Secret) {
			t.Fatalf("after the upgrade the column holds %q", s)
		}
		h.record(a, "pay.clicked")
		h.deliver()
		if hits = rc.received(); len(hits) != 3 {
			t.Fatalf("after the upgrade: got %d webhooks", len(hits))
		}
		verifyHookSignature(t, ep.Secret, hits[2].header.Get("Duehub-Signature"), hits[2].body)

		// The hub restarted with another DUEHUB_SECRET.
		moved := newClockedOutHub(t, db, liftedGuard(), "another-hub-secret-0123456789abcdefgh")
		moved.record(a, "thread.message")
		moved.deliver()
		if n := len(rc.received()); n != 3 {
			t.Fatalf("with an unreadable secret the receiver got %d webhooks, want still 3", n)
		}
		var log deliveryList
		moved.do("GET", "/v1/webhook-endpoints/"+ep.ID+"/deliveries", key, nil).json(t, &log)
		if d := log.Data[0]; d.Status != "pending" || d.AttemptCount != 1 || !strings.Contains(d.LastError, "DUEHUB_SECRET") ||
			!strings.Contains(d.LastError, "roll") || d.Attempts[0].ResponseCode != nil {
			t.Fatalf("the delivery with an unreadable secret: %+v", d)
		}
		r := moved.do("POST", "/v1/webhook-endpoints/"+ep.ID+"/roll-secret", key, map[string]any{"expires_in": 3600})
		var rolled rolledEndpoint
		r.json(t, &rolled)
		if r.status != 200 {
			t.Fatalf("roll: %d %s", r.status, r.body)
		}
		moved.advance(time.Hour)
		moved.deliver()
		hits = rc.received()
		if len(hits) != 4 || hits[3].header.Get("Duehub-Event-Type") != "thread.message" {
			t.Fatalf("after the roll the receiver got %q", hookTypes(hits))
		}
		sig := hits[3].header.Get("Duehub-Signature")
		if !signedWith(rolled.Secret, sig, hits[3].body, moved.clock()) || strings.Count(sig, "v1=") != 1 {
			t.Fatalf("after rolling an unreadable secret, Duehub-Signature = %q: want the new secret's only", sig)
		}
	})
}
