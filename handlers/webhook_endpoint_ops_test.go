package handlers

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
	"github.com/duehub/duehub/webhooks"
)

// clockedOutHub is an outHub whose store and dispatcher read a clock the
// test moves, so that a secret's overlap can end within a test.
type clockedOutHub struct {
	*outHub
	mu  sync.Mutex
	now time.Time
}

func newClockedOutHub(t *testing.T, db *database.DB, guard *webhooks.Guard, hubSecret string) *clockedOutHub {
	t.Helper()
	h := &clockedOutHub{now: time.Now().UTC().Truncate(time.Second)}
	clock := func() time.Time {
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.now
	}
	vs := vendors.NewStore(db.Gorm, payers.NewStore(db.Gorm, clock), clock)
	if err := vs.UseSecretKey(hubSecret); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(New(Config{
		Vendors:  vs,
		Log:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		Registry: prometheus.NewRegistry(),
		Ready:    func(ctx context.Context) error { return db.SQL.PingContext(ctx) },
		Webhooks: guard,
	}))
	t.Cleanup(srv.Close)
	d := webhooks.New(webhooks.Config{Vendors: vs, Guard: guard, Now: clock, Log: slog.New(slog.DiscardHandler)})
	h.outHub = &outHub{hub: &hub{t: t, db: db, vendors: vs, srv: srv}, dispatcher: d}
	return h
}

func (h *clockedOutHub) advance(d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.now = h.now.Add(d)
}

func (h *clockedOutHub) clock() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.now
}

// statusReceiver records webhooks and answers the status it is set to.
type statusReceiver struct {
	*hookReceiver
	code int
}

func newStatusReceiver(t *testing.T) *statusReceiver {
	rc := &statusReceiver{hookReceiver: &hookReceiver{}, code: 200}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.hits = append(rc.hits, receivedHook{r.Header.Clone(), body})
		code := rc.code
		rc.mu.Unlock()
		w.WriteHeader(code)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *statusReceiver) answer(code int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.code = code
}

// signedWith reports whether a Duehub-Signature header verifies with secret
// the way the README tells vendors to: t within 5 minutes of now, and any of
// the v1 signatures equal (constant time) to HMAC-SHA256(secret, "<t>.<body>").
func signedWith(secret, header string, body []byte, now time.Time) bool {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	t, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || now.Sub(time.Unix(t, 0)).Abs() > 5*time.Minute {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + string(body)))
	want := hex.EncodeToString(mac.Sum(nil))
	for _, s := range sigs {
		if hmac.Equal([]byte(s), []byte(want)) {
			return true
		}
	}
	return false
}

func (h *outHub) endpoint(key string, body map[string]any) createdEndpoint {
	h.t.Helper()
	r := h.do("POST", "/v1/webhook-endpoints", key, body)
	if r.status != 201 {
		h.t.Fatalf("register %v: %d %s", body, r.status, r.body)
	}
	var ep createdEndpoint
	r.json(h.t, &ep)
	return ep
}

func (h *outHub) record(vendorID int64, typ string) {
	h.t.Helper()
	if err := h.vendors.RecordEvent(context.Background(), vendorID, typ, map[string]any{"invoice": "INV-1"}); err != nil {
		h.t.Fatal(err)
	}
}

func hookTypes(hits []receivedHook) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.header.Get("Duehub-Event-Type")
	}
	return out
}

// TestWebhookEndpointUpdateRefusesPrivateURLs: a new URL passes the same
// guard as at registration; a refused update changes nothing.
func TestWebhookEndpointUpdateRefusesPrivateURLs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		guard := webhooks.NewGuard(webhooks.GuardConfig{Resolver: hookDNS{
			"loopback.example": "127.0.0.1", "hooks.vendor.example": "93.184.215.14", "new.vendor.example": "93.184.215.15",
		}})
		h := newOutHub(t, db, guard)
		_, key := h.vendor("Northwind")
		_, keyB := h.vendor("Contoso")
		ep := h.endpoint(key, map[string]any{"url": "https://hooks.vendor.example/a", "event_types": []string{"question.created"}, "description": "bot"})
		path := "/v1/webhook-endpoints/" + ep.ID
		before := h.do("GET", path, key, nil).body

		for _, u := range []string{
			"https://127.0.0.1/hook", "https://localhost/hook", "https://169.254.169.254/latest", "https://[::1]/hook",
			"https://0x7f000001/hook", "https://loopback.example/hook", "https://10.1.2.3/hook",
		} {
			p := h.do("POST", path, key, map[string]any{"url": u, "description": "changed"}).problem(t, 422)
			if msg := fieldMessage(t, p.Errors, "url"); !strings.Contains(msg, "public address") {
				t.Errorf("%s: %q", u, msg)
			}
		}
		p := h.do("POST", path, key, map[string]any{"url": "http://new.vendor.example/hook"}).problem(t, 422)
		fieldMessage(t, p.Errors, "url")
		p = h.do("POST", path, key, map[string]any{"event_types": []string{"question.created", "invoice.eaten"}}).problem(t, 422)
		fieldMessage(t, p.Errors, "event_types[1]")
		p = h.do("POST", path, key, map[string]any{"secret": "whsec_mine"}).problem(t, 422)
		fieldMessage(t, p.Errors, "secret")
		h.do("POST", path, key, "{").problem(t, 400)
		h.do("POST", path, keyB, map[string]any{"description": "B was here"}).problem(t, 404)
		h.do("POST", "/v1/webhook-endpoints/we_nope", key, map[string]any{"description": "x"}).problem(t, 404)
		if after := h.do("GET", path, key, nil).body; string(after) != string(before) {
			t.Fatalf("refused updates changed the endpoint:\n%s\n%s", before, after)
		}

		r := h.do("POST", path, key, map[string]any{"url": "https://new.vendor.example/v2"})
		var got endpointResponse
		r.json(t, &got)
		if r.status != 200 || got.URL != "https://new.vendor.example/v2" || got.Description != "bot" ||
			len(got.EventTypes) != 1 || got.EventTypes[0] != "question.created" || strings.Contains(string(r.body), "whsec_") {
			t.Fatalf("update url: %d %s", r.status, r.body)
		}
	})
}

// TestWebhookEndpointUpdateMovesDeliveries: a new URL receives the
// deliveries; an event of a type no longer subscribed is not delivered,
// one of an added type is.
func TestWebhookEndpointUpdateMovesDeliveries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newOutHub(t, db, liftedGuard())
		a, key := h.vendor("Northwind")
		old, moved := newHookReceiver(t), newHookReceiver(t)
		ep := h.endpoint(key, map[string]any{"url": old.URL + "/hook", "event_types": []string{"question.created", "dispute.created"}})
		path := "/v1/webhook-endpoints/" + ep.ID

		h.record(a, "question.created")
		h.deliver()
		if n := len(old.received()); n != 1 {
			t.Fatalf("before the update the old URL got %d webhooks, want 1", n)
		}

		r := h.do("POST", path, key, map[string]any{"url": moved.URL + "/v2", "event_types": []string{"dispute.created", "pay.clicked"}})
		var got endpointResponse
		r.json(t, &got)
		if r.status != 200 || got.URL != moved.URL+"/v2" || strings.Join(got.EventTypes, ",") != "dispute.created,pay.clicked" {
			t.Fatalf("update: %d %s", r.status, r.body)
		}
		h.record(a, "question.created") // no longer subscribed
		h.record(a, "dispute.created")
		h.record(a, "pay.clicked") // newly subscribed
		h.deliver()
		if n := len(old.received()); n != 1 {
			t.Errorf("the old URL got %d webhooks after the update, want still 1", n)
		}
		hits := moved.received()
		if got := strings.Join(hookTypes(hits), ","); got != "dispute.created,pay.clicked" {
			t.Fatalf("the new URL got %q, want dispute.created,pay.clicked", got)
		}
		for _, hit := range hits {
			verifyHookSignature(t, ep.Secret, hit.header.Get("Duehub-Signature"), hit.body)
		}

		// Every type again, with an empty list.
		r = h.do("POST", path, key, map[string]any{"event_types": []string{}})
		r.json(t, &got)
		if r.status != 200 || len(got.EventTypes) != 0 {
			t.Fatalf("all types: %d %s", r.status, r.body)
		}
		h.record(a, "question.created")
		h.deliver()
		// Types apply when an event is queued: the question recorded while it was
		// not subscribed is younger than the fan-out's settle time (a minute), so
		// it may be queued now too; the one recorded after the change must be.
		if hits := moved.received(); len(hits) < 3 || hits[len(hits)-1].header.Get("Duehub-Event-Type") != "question.created" {
			t.Fatalf("after subscribing to every type the receiver got %q", hookTypes(hits))
		}
	})
}

// TestWebhookEndpointReEnable: an endpoint disabled by a 410 is enabled
// again by the vendor and receives the events recorded from then on; what
// failed stays failed until resent.
func TestWebhookEndpointReEnable(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newOutHub(t, db, liftedGuard())
		a, key := h.vendor("Northwind")
		rc := newStatusReceiver(t)
		ep := h.endpoint(key, map[string]any{"url": rc.URL + "/hook"})
		path := "/v1/webhook-endpoints/" + ep.ID

		rc.answer(http.StatusGone)
		h.record(a, "question.created")
		h.deliver()
		var got endpointResponse
		h.do("GET", path, key, nil).json(t, &got)
		if got.Status != "disabled" || !strings.Contains(got.DisabledReason, "410") {
			t.Fatalf("after a 410: %+v", got)
		}
		h.record(a, "dispute.created") // while disabled
		h.deliver()
		if n := len(rc.received()); n != 1 {
			t.Fatalf("a disabled endpoint got %d webhooks, want only the first", n)
		}
		h.do("POST", path+"/test", key, nil).problem(t, 422)

		rc.answer(http.StatusOK)
		r := h.do("POST", path, key, map[string]any{"disabled": false})
		r.json(t, &got)
		if r.status != 200 || got.Status != "enabled" || got.DisabledReason != "" {
			t.Fatalf("enable: %d %s", r.status, r.body)
		}
		h.record(a, "pay.clicked")
		h.deliver()
		hits := rc.received()
		if got := strings.Join(hookTypes(hits), ","); got != "question.created,pay.clicked" {
			t.Fatalf("after enabling the receiver got %q, want the event recorded after enabling only", got)
		}
		verifyHookSignature(t, ep.Secret, hits[1].header.Get("Duehub-Signature"), hits[1].body)

		var log deliveryList
		h.do("GET", path+"/deliveries", key, nil).json(t, &log)
		if len(log.Data) != 2 || log.Data[0].Status != "delivered" || log.Data[1].Status != "failed" {
			t.Fatalf("delivery log after enabling: %+v", log.Data)
		}
		if r := h.do("POST", path+"/deliveries/"+log.Data[1].ID+"/resend", key, nil); r.status != 202 {
			t.Fatalf("resend the failed delivery: %d %s", r.status, r.body)
		}
		h.deliver()
		if hits := rc.received(); len(hits) != 3 || hits[2].header.Get("Duehub-Event-Type") != "question.created" {
			t.Fatalf("after resending the receiver got %q", hookTypes(hits))
		}

		// The vendor disables it: nothing more is sent, queued deliveries fail.
		h.record(a, "thread.message")
		if _, err := h.dispatcher.FanOut(context.Background()); err != nil {
			t.Fatal(err)
		}
		r = h.do("POST", path, key, map[string]any{"disabled": true})
		r.json(t, &got)
		if r.status != 200 || got.Status != "disabled" || got.DisabledReason == "" {
			t.Fatalf("disable: %d %s", r.status, r.body)
		}
		h.record(a, "thread.resolved")
		h.deliver()
		if n := len(rc.received()); n != 3 {
			t.Fatalf("a disabled endpoint got %d webhooks, want still 3", n)
		}
		h.do("GET", path+"/deliveries", key, nil).json(t, &log)
		if len(log.Data) != 3 || log.Data[0].Status != "failed" || !strings.Contains(log.Data[0].LastError, "disabled by the vendor") {
			t.Fatalf("the queued delivery after disabling: %+v", log.Data[0])
		}
		if n := h.count("webhook_endpoints", "notify_pending"); n != 0 {
			t.Errorf("disabling by hand asks to tell the team (%d endpoints)", n)
		}
	})
}

// TestWebhookSecretRollOverlap: after a roll both secrets verify until the
// overlap ends, then only the new one; the secret shows only once.
func TestWebhookSecretRollOverlap(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newClockedOutHub(t, db, liftedGuard(), testHubSecret)
		a, key := h.vendor("Northwind")
		rc := newHookReceiver(t)
		ep := h.endpoint(key, map[string]any{"url": rc.URL + "/hook"})
		path := "/v1/webhook-endpoints/" + ep.ID

		for _, body := range []any{map[string]any{"expires_in": -1}, map[string]any{"expires_in": 604801}, map[string]any{"expires_in": "1h"}} {
			p := h.do("POST", path+"/roll-secret", key, body).problem(t, 422)
			fieldMessage(t, p.Errors, "expires_in")
		}
		h.do("POST", path+"/roll-secret", key, map[string]any{"expiry": 60}).problem(t, 422)
		_, keyB := h.vendor("Contoso")
		h.do("POST", path+"/roll-secret", keyB, nil).problem(t, 404)

		rolledAt := h.clock()
		r := h.do("POST", path+"/roll-secret", key, map[string]any{"expires_in": 3600})
		var rolled rolledEndpoint
		r.json(t, &rolled)
		if r.status != 200 || rolled.Secret == ep.Secret || !strings.HasPrefix(rolled.Secret, "whsec_") ||
			rolled.PreviousSecretExpiresAt == nil || !rolled.PreviousSecretExpiresAt.Equal(rolledAt.Add(time.Hour)) {
			t.Fatalf("roll: %d %s", r.status, r.body)
		}
		for _, p := range []string{path, "/v1/webhook-endpoints"} {
			if body := h.do("GET", p, key, nil).body; strings.Contains(string(body), rolled.Secret) || strings.Contains(string(body), "whsec_") {
				t.Errorf("GET %s shows a secret: %s", p, body)
			}
		}

		h.advance(59 * time.Minute)
		h.record(a, "question.created")
		h.deliver()
		hits := rc.received()
		if len(hits) != 1 {
			t.Fatalf("got %d webhooks", len(hits))
		}
		sig := hits[0].header.Get("Duehub-Signature")
		if strings.Count(sig, "v1=") != 2 {
			t.Fatalf("during the overlap Duehub-Signature = %q, want two v1", sig)
		}
		if !signedWith(rolled.Secret, sig, hits[0].body, h.clock()) || !signedWith(ep.Secret, sig, hits[0].body, h.clock()) {
			t.Fatalf("during the overlap %q must verify with the new and with the old secret", sig)
		}
		if signedWith("whsec_someoneelse", sig, hits[0].body, h.clock()) {
			t.Fatal("verifies with any secret")
		}

		h.advance(2 * time.Minute) // the overlap is over
		h.record(a, "dispute.created")
		h.deliver()
		hits = rc.received()
		if len(hits) != 2 {
			t.Fatalf("got %d webhooks", len(hits))
		}
		sig = hits[1].header.Get("Duehub-Signature")
		if strings.Count(sig, "v1=") != 1 || !signedWith(rolled.Secret, sig, hits[1].body, h.clock()) {
			t.Fatalf("after the overlap Duehub-Signature = %q, want the new secret's only", sig)
		}
		if signedWith(ep.Secret, sig, hits[1].body, h.clock()) {
			t.Fatal("the old secret still verifies after its overlap")
		}

		// Rolling during an overlap ends the older secret; no body means 24 hours.
		r = h.do("POST", path+"/roll-secret", key, nil)
		var second rolledEndpoint
		r.json(t, &second)
		if r.status != 200 || second.PreviousSecretExpiresAt == nil || !second.PreviousSecretExpiresAt.Equal(h.clock().Add(24*time.Hour)) {
			t.Fatalf("roll without body: %d %s", r.status, r.body)
		}
		r = h.do("POST", path+"/roll-secret", key, map[string]any{"expires_in": 0})
		var third rolledEndpoint
		r.json(t, &third)
		if r.status != 200 || third.PreviousSecretExpiresAt != nil {
			t.Fatalf("roll with no overlap: %d %s", r.status, r.body)
		}
		h.record(a, "pay.clicked")
		h.deliver()
		hits = rc.received()
		sig = hits[len(hits)-1].header.Get("Duehub-Signature")
		body := hits[len(hits)-1].body
		if !signedWith(third.Secret, sig, body, h.clock()) || signedWith(second.Secret, sig, body, h.clock()) ||
			signedWith(rolled.Secret, sig, body, h.clock()) || strings.Count(sig, "v1=") != 1 {
			t.Fatalf("after a roll with expires_in 0, %q must verify with the newest secret only", sig)
		}
	})
}

// TestWebhookTestEvent: a test event reaches only the endpoint it was sent
// to, signed, whatever its types, and stays out of the events feed.
func TestWebhookTestEvent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newOutHub(t, db, liftedGuard())
		_, key := h.vendor("Northwind")
		_, keyB := h.vendor("Contoso")
		rcA, rcB := newHookReceiver(t), newHookReceiver(t)
		epA := h.endpoint(key, map[string]any{"url": rcA.URL + "/a", "event_types": []string{"dispute.created"}})
		h.endpoint(key, map[string]any{"url": rcB.URL + "/b"})

		h.do("POST", "/v1/webhook-endpoints/"+epA.ID+"/test", keyB, nil).problem(t, 404)
		r := h.do("POST", "/v1/webhook-endpoints/"+epA.ID+"/test", key, nil)
		var d deliveryResponse
		r.json(t, &d)
		if r.status != 202 || d.EventType != "webhook.test" || !strings.HasPrefix(d.EventID, "evt_test_") || d.Status != "pending" {
			t.Fatalf("test: %d %s", r.status, r.body)
		}
		h.deliver()
		if n := len(rcB.received()); n != 0 {
			t.Errorf("the other endpoint got %d webhooks, want 0", n)
		}
		hits := rcA.received()
		if len(hits) != 1 {
			t.Fatalf("the tested endpoint got %d webhooks, want 1", len(hits))
		}
		verifyHookSignature(t, epA.Secret, hits[0].header.Get("Duehub-Signature"), hits[0].body)
		var ev struct {
			ID   string `json:"id"`
			Type string `json:"type"`
			Data struct {
				EndpointID string `json:"endpoint_id"`
			} `json:"data"`
		}
		if err := json.Unmarshal(hits[0].body, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.ID != d.EventID || ev.Type != "webhook.test" || ev.Data.EndpointID != epA.ID ||
			hits[0].header.Get("Duehub-Event-Id") != d.EventID || hits[0].header.Get("Duehub-Delivery-Id") != d.ID {
			t.Fatalf("test event %s with headers %v", hits[0].body, hits[0].header)
		}
		var feed eventList
		h.do("GET", "/v1/events", key, nil).json(t, &feed)
		if len(feed.Data) != 0 {
			t.Fatalf("the test event is in the feed: %+v", feed)
		}
		var log deliveryList
		h.do("GET", "/v1/webhook-endpoints/"+epA.ID+"/deliveries", key, nil).json(t, &log)
		if len(log.Data) != 1 || log.Data[0].ID != d.ID || log.Data[0].Status != "delivered" || log.Data[0].EventType != "webhook.test" {
			t.Fatalf("delivery log: %+v", log.Data)
		}
		if r := h.do("POST", "/v1/webhook-endpoints/"+epA.ID+"/deliveries/"+d.ID+"/resend", key, nil); r.status != 202 {
			t.Fatalf("resend the test event: %d %s", r.status, r.body)
		}
		h.deliver()
		if hits := rcA.received(); len(hits) != 2 || string(hits[1].body) != string(hits[0].body) {
			t.Fatalf("the resent test event differs or is missing: %d hits", len(hits))
		}
	})
}
