package jobs_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/jobs"
	"github.com/duehub/duehub/notify/outbox"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
	"github.com/duehub/duehub/webhooks"
)

// flakyReceiver answers 500 to the first delivery of each event, then 200,
// and counts requests per event id.
type flakyReceiver struct {
	mu   sync.Mutex
	hits map[string]int
}

func (f *flakyReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	id := r.Header.Get("Duehub-Event-Id")
	f.mu.Lock()
	f.hits[id]++
	n := f.hits[id]
	f.mu.Unlock()
	if n == 1 {
		w.WriteHeader(http.StatusInternalServerError)
	}
}

// TestWebhooksOnRiver: two River clients share the work; every event
// recorded reaches the receiver, is retried after a 500, and is delivered
// exactly once.
func TestWebhooksOnRiver(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		rc := &flakyReceiver{hits: map[string]int{}}
		srv := httptest.NewServer(rc)
		defer srv.Close()

		ps := payers.NewStore(db.Gorm, time.Now)
		vs := vendors.NewStore(db.Gorm, ps, time.Now)
		if err := vs.UseSecretKey("test-hub-secret-0123456789abcdefghij"); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		v, err := vs.CreateVendor(ctx, vendors.NewVendor{Name: "Northwind", SupportEmail: "ar@northwind.example"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := vs.CreateWebhookEndpoint(ctx, v.ID, vendors.NewWebhookEndpoint{URL: srv.URL + "/hook"}); err != nil {
			t.Fatal(err)
		}
		box := outbox.New(db.Gorm, time.Now)
		for range 2 {
			d := webhooks.New(webhooks.Config{
				Vendors: vs, Guard: webhooks.NewGuard(webhooks.GuardConfig{AllowPrivate: true, Timeout: 2 * time.Second}),
				Mailer: box, Log: quiet(),
				Schedule: webhooks.Schedule{First: 300 * time.Millisecond, Max: time.Second, Window: time.Hour, Jitter: 0.2},
			})
			startWith(t, db, jobs.Config{Runner: runner(db, ps, vs, box), Log: quiet(), PlanEvery: time.Minute,
				Webhooks: d, WebhooksEvery: time.Second})
		}
		const events = 10
		for i := range events {
			if err := vs.RecordEvent(ctx, v.ID, "pay.clicked", map[string]int{"n": i}); err != nil {
				t.Fatal(err)
			}
		}

		deadline := time.Now().Add(45 * time.Second)
		var ds []vendors.WebhookDelivery
		for time.Now().Before(deadline) {
			ds = nil
			if err := db.Gorm.Where("status = ?", vendors.DeliveryDelivered).Find(&ds).Error; err != nil {
				t.Fatal(err)
			}
			if len(ds) == events {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if len(ds) != events {
			var all []vendors.WebhookDelivery
			db.Gorm.Find(&all)
			t.Fatalf("%d of %d deliveries delivered: %+v", len(ds), events, all)
		}
		time.Sleep(time.Second) // more passes on both clients
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if len(rc.hits) != events {
			t.Fatalf("the receiver saw %d events, want %d", len(rc.hits), events)
		}
		for id, n := range rc.hits {
			if n != 2 {
				t.Errorf("%s reached the receiver %d times, want 2 (a 500, then one delivery)", id, n)
			}
		}
		for _, d := range ds {
			if d.Attempts != 2 {
				t.Errorf("delivery %d took %d attempts, want 2", d.ID, d.Attempts)
			}
		}
	})
}
