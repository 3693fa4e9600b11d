package webhooks_test

import (
	"context"
	"errors"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/vendors"
	"github.com/duehub/duehub/webhooks"
)

func TestMigratedSchemaHoldsWebhookModels(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		dbtest.CheckColumns(t, db, &vendors.WebhookEndpoint{}, &vendors.WebhookDelivery{}, &vendors.WebhookAttempt{})
	})
}

// TestDeliveryFaults drives deliveries against receivers that fail on cue,
// moving a fake clock from one retry to the next.
func TestDeliveryFaults(t *testing.T) {
	t.Run("500 then 200 is delivered once", func(t *testing.T) {
		dbtest.Each(t, func(t *testing.T, db *database.DB) {
			e := newEnv(t, db, open())
			rc := newReceiver(t, status(500))
			e.endpoint(rc.URL)
			e.event("question.created", map[string]any{"thread_id": 7})
			e.run()
			ds := e.deliveries()
			if len(ds) != 1 || ds[0].Status != vendors.DeliveryPending || ds[0].LastStatusCode != 500 || ds[0].LastError != "HTTP 500" {
				t.Fatalf("after a 500: %+v", ds)
			}
			wait := ds[0].NextAttemptAt.Sub(start)
			if wait < 20*time.Second || wait > 40*time.Second {
				t.Errorf("first retry after %v, want about 30s", wait)
			}
			e.run() // not due yet: nothing sent
			if rc.count() != 1 {
				t.Fatalf("%d requests before the retry was due, want 1", rc.count())
			}
			for e.next() {
				e.run()
			}
			ds = e.deliveries()
			if ds[0].Status != vendors.DeliveryDelivered || ds[0].Attempts != 2 || ds[0].DeliveredAt == nil {
				t.Fatalf("after the retry: %+v", ds[0])
			}
			if rc.count() != 2 {
				t.Fatalf("receiver got %d requests, want 2 (one 500, one 200)", rc.count())
			}
			if a := e.attempts(ds[0].ID); len(a) != 2 || a[0].StatusCode != 500 || a[1].StatusCode != 200 || a[1].Error != "" {
				t.Fatalf("attempt log: %+v", a)
			}
			e.clock.Set(start.Add(96 * time.Hour))
			e.run()
			if rc.count() != 2 {
				t.Fatal("a delivered event was sent again")
			}
		})
	})

	t.Run("a receiver that hangs past the timeout is retried", func(t *testing.T) {
		dbtest.Each(t, func(t *testing.T, db *database.DB) {
			e := newEnv(t, db, open()) // 300 ms timeout
			rc := newReceiver(t, hang)
			e.endpoint(rc.URL)
			e.event("dispute.created", map[string]any{"thread_id": 8})
			began := time.Now()
			e.run()
			if took := time.Since(began); took > 2*time.Second {
				t.Errorf("the attempt took %v: the timeout did not cut it", took)
			}
			ds := e.deliveries()
			if ds[0].Status != vendors.DeliveryPending || ds[0].LastStatusCode != 0 || !strings.Contains(ds[0].LastError, "timeout") {
				t.Fatalf("after a hang: %+v", ds[0])
			}
			for e.next() {
				e.run()
			}
			if ds = e.deliveries(); ds[0].Status != vendors.DeliveryDelivered || ds[0].Attempts != 2 {
				t.Fatalf("after the retry: %+v", ds[0])
			}
		})
	})

	t.Run("301 is a failure and is not followed", func(t *testing.T) {
		dbtest.Each(t, func(t *testing.T, db *database.DB) {
			e := newEnv(t, db, open())
			target := newReceiver(t)
			rc := newReceiver(t, status(301, "Location", target.URL+"/moved"), status(301, "Location", target.URL+"/moved"))
			e.endpoint(rc.URL)
			e.event("payment.reported", map[string]any{"report_id": 9})
			e.run()
			ds := e.deliveries()
			if ds[0].Status != vendors.DeliveryPending || ds[0].LastStatusCode != 301 || !strings.Contains(ds[0].LastError, "redirect") {
				t.Fatalf("after a 301: %+v", ds[0])
			}
			e.next()
			e.run()
			if target.count() != 0 {
				t.Fatalf("the redirect target got %d requests, want 0", target.count())
			}
			e.next()
			e.run()
			if ds = e.deliveries(); ds[0].Status != vendors.DeliveryDelivered || ds[0].Attempts != 3 || rc.count() != 3 {
				t.Fatalf("after two 301s and a 200: %+v, %d requests", ds[0], rc.count())
			}
		})
	})

	t.Run("410 disables the endpoint", func(t *testing.T) {
		dbtest.Each(t, func(t *testing.T, db *database.DB) {
			e := newEnv(t, db, open())
			rc := newReceiver(t, status(410))
			ep := e.endpoint(rc.URL)
			e.event("promise.created", map[string]any{"promise_id": 1})
			e.event("promise.broken", map[string]any{"promise_id": 1})
			e.run()
			ep = e.reload(ep)
			if ep.Status != vendors.EndpointDisabled || !strings.Contains(ep.DisabledReason, "410") {
				t.Fatalf("endpoint after a 410: %+v", ep)
			}
			for _, d := range e.deliveries() {
				if d.Status != vendors.DeliveryFailed {
					t.Errorf("delivery %d is %s after its endpoint was disabled, want failed", d.ID, d.Status)
				}
			}
			e.event("pay.clicked", map[string]any{"invoice": "INV-1"})
			e.clock.Set(start.Add(time.Hour))
			e.run()
			if n := len(e.deliveries()); n != 2 {
				t.Errorf("%d deliveries, want no new one for a disabled endpoint", n)
			}
			if rc.count() != 1 {
				t.Errorf("a disabled endpoint got %d requests, want 1", rc.count())
			}
			if msgs, _ := e.box.List(context.Background(), 0); len(msgs) != 0 {
				t.Errorf("410 is the vendor's own doing, yet %d emails were sent", len(msgs))
			}
		})
	})

	t.Run("a receiver down for 3 days is disabled and the team is emailed", func(t *testing.T) {
		dbtest.Each(t, func(t *testing.T, db *database.DB) {
			e := newEnv(t, db, open())
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			down := "http://" + ln.Addr().String() + "/hook"
			ln.Close() // nothing listens there any more: connection refused
			ep := e.endpoint(down)
			e.event("question.created", map[string]any{"thread_id": 1})
			for i := 0; i < 100 && e.reload(ep).Status == vendors.EndpointEnabled; i++ {
				e.run()
				if i == 3 {
					e.event("dispute.created", map[string]any{"thread_id": 2}) // joins the outage
				}
				if !e.next() {
					break
				}
			}
			ep = e.reload(ep)
			if ep.Status != vendors.EndpointDisabled || !strings.Contains(ep.DisabledReason, "3 days") {
				t.Fatalf("endpoint after the outage: %+v", ep)
			}
			ds := e.deliveries()
			first := ds[0]
			as := e.attempts(first.ID)
			// Whichever delivery runs out of retries first disables the endpoint.
			span := ep.DisabledAt.Sub(as[0].CreatedAt)
			if span < 72*time.Hour || span > 90*time.Hour {
				t.Errorf("disabled %v after the first failure, want at least 3 days and not much more", span)
			}
			if last := as[len(as)-1].CreatedAt.Sub(as[0].CreatedAt); last < 57*time.Hour {
				t.Errorf("the first delivery was last tried %v after its first attempt, want retries until the end", last)
			}
			if len(as) < 10 || len(as) > 25 {
				t.Errorf("%d attempts over the window, want 10 to 25", len(as))
			}
			// Exponential: each early wait is clearly longer than the one before, jitter included.
			for i := 2; i < 8; i++ {
				prev, cur := as[i-1].CreatedAt.Sub(as[i-2].CreatedAt), as[i].CreatedAt.Sub(as[i-1].CreatedAt)
				if float64(cur) < 1.3*float64(prev) {
					t.Errorf("wait %d is %v after a wait of %v: not exponential", i, cur, prev)
				}
			}
			for _, d := range ds {
				if d.Status != vendors.DeliveryFailed {
					t.Errorf("delivery %d is %s, want failed", d.ID, d.Status)
				}
			}
			if !strings.Contains(as[0].Error, "network error") {
				t.Errorf("first attempt error %q, want a network error", as[0].Error)
			}
			// The team hears about it once, whatever the passes that follow.
			if err := e.d.NotifyDisabled(context.Background()); err != nil {
				t.Fatal(err)
			}
			msgs, err := e.box.List(context.Background(), 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) != 1 || msgs[0].To[0] != "ar@northwind.example" || !strings.Contains(msgs[0].Text, ep.PublicID) ||
				!strings.Contains(msgs[0].Text, down) || !strings.Contains(msgs[0].Subject, "disabled") {
				t.Fatalf("outbox: %+v", msgs)
			}
		})
	})
}

// TestSignedRequest checks the request a receiver gets against the
// documented scheme, computed here independently.
func TestSignedRequest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db, open())
		rc := newReceiver(t)
		ep := e.endpoint(rc.URL, "question.created")
		e.event("contact.bounced", map[string]any{"email": "ap@acme.example"}) // not subscribed
		e.event("question.created", map[string]any{"thread_id": 42, "body": "Which PO?"})
		e.run()
		if rc.count() != 1 {
			t.Fatalf("%d requests, want only the subscribed event", rc.count())
		}
		h := rc.hits[0]
		if !validSignature(ep.Secret, h.header.Get("Duehub-Signature"), h.body, start) {
			t.Fatalf("bad signature %q for body %s", h.header.Get("Duehub-Signature"), h.body)
		}
		if validSignature("whsec_other", h.header.Get("Duehub-Signature"), h.body, start) {
			t.Fatal("the signature verifies with another secret")
		}
		// The event's id is the one GET /v1/events shows: random, not its row id.
		evs, err := e.vendors.Events(context.Background(), e.vendor.ID, 0, 10)
		if err != nil || len(evs) != 2 {
			t.Fatalf("events %+v, %v", evs, err)
		}
		id := evs[1].PublicID
		if !regexp.MustCompile(`^evt_[0-9A-Za-z]{24}$`).MatchString(id) {
			t.Fatalf("event id %q is not random", id)
		}
		want := `{"id":"` + id + `","type":"question.created","created_at":"2026-11-23T10:00:00Z","data":{"body":"Which PO?","thread_id":42}}`
		if string(h.body) != want {
			t.Errorf("body\n%s\nwant\n%s", h.body, want)
		}
		if got := h.header.Get("Duehub-Event-Id"); got != id {
			t.Errorf("Duehub-Event-Id = %q", got)
		}
		if got := h.header.Get("Content-Type"); got != "application/json" {
			t.Errorf("Content-Type = %q", got)
		}
		if ds := e.deliveries(); len(ds) != 1 || h.header.Get("Duehub-Delivery-Id") != ds[0].PublicID {
			t.Errorf("Duehub-Delivery-Id = %q, deliveries %+v", h.header.Get("Duehub-Delivery-Id"), ds)
		}
	})
}

// TestEndpointsGetOnlyNewEvents: an endpoint gets the events recorded after
// it was registered, each once however often fan-out runs.
func TestEndpointsGetOnlyNewEvents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db, open())
		rc := newReceiver(t)
		e.event("pay.clicked", map[string]any{"n": 1})
		e.endpoint(rc.URL)
		for i := 2; i <= 4; i++ {
			e.event("pay.clicked", map[string]any{"n": i})
		}
		for i := 0; i < 3; i++ {
			e.run()
			e.clock.Set(e.clock.Now().Add(2 * time.Minute)) // passes at other times
		}
		if rc.count() != 3 {
			t.Fatalf("%d requests, want the 3 events recorded after registration", rc.count())
		}
		ids := map[string]bool{}
		for _, h := range rc.hits {
			ids[h.header.Get("Duehub-Event-Id")] = true
		}
		if len(ids) != 3 || ids["evt_1"] {
			t.Fatalf("event ids delivered: %v", ids)
		}
		// Another vendor's events never reach this vendor's endpoint.
		other, err := e.vendors.CreateVendor(context.Background(), vendors.NewVendor{Name: "Contoso"})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.vendors.RecordEvent(context.Background(), other.ID, "pay.clicked", map[string]any{"secret": "B"}); err != nil {
			t.Fatal(err)
		}
		e.run()
		if rc.count() != 3 {
			t.Fatal("another vendor's event was delivered to this vendor's endpoint")
		}
	})
}

// flakyMailer fails its first send the way a provider hiccup does.
type flakyMailer struct {
	notify.Sender
	failures int
}

func (f *flakyMailer) Send(ctx context.Context, m notify.Message) (notify.Result, error) {
	if f.failures > 0 {
		f.failures--
		return notify.Result{}, &notify.Error{Code: "503", Err: errors.New("try later")}
	}
	return f.Sender.Send(ctx, m)
}

// TestDisabledNoticeIsRetried: when the email about a disabled endpoint
// fails, a later pass sends it, once.
func TestDisabledNoticeIsRetried(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db, open())
		e.d = webhooks.New(webhooks.Config{
			Vendors: e.vendors, Guard: open(), Mailer: &flakyMailer{Sender: e.box, failures: 1}, Now: e.clock.Now,
			Schedule: webhooks.Schedule{First: time.Minute, Max: time.Hour, Window: 6 * time.Hour},
		})
		rc := newReceiver(t)
		rc.Close() // down for good
		ep := e.endpoint(rc.URL)
		e.event("question.created", nil)
		for i := 0; i < 50 && e.reload(ep).Status == vendors.EndpointEnabled; i++ {
			e.run()
			e.next()
		}
		if ep = e.reload(ep); ep.Status != vendors.EndpointDisabled || !strings.Contains(ep.DisabledReason, "6h0m0s") {
			t.Fatalf("endpoint: %+v", ep)
		}
		ctx := context.Background()
		if msgs, _ := e.box.List(ctx, 0); len(msgs) != 0 {
			t.Fatalf("%d emails while the mailer fails", len(msgs))
		}
		for range 2 {
			if err := e.d.NotifyDisabled(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if msgs, _ := e.box.List(ctx, 0); len(msgs) != 1 || msgs[0].To[0] != "ar@northwind.example" {
			t.Fatalf("outbox after two passes: %+v", msgs)
		}
	})
}
