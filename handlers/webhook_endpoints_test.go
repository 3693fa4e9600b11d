package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
	"github.com/duehub/duehub/webhooks"
)

// outHub is a hub whose webhook guard is given, with the dispatcher
// that the jobs would run, driven by hand.
type outHub struct {
	*hub
	dispatcher *webhooks.Dispatcher
}

func newOutHub(t *testing.T, db *database.DB, guard *webhooks.Guard) *outHub {
	t.Helper()
	p := payers.NewStore(db.Gorm, time.Now)
	vs := vendors.NewStore(db.Gorm, p, time.Now)
	if err := vs.UseSecretKey(testHubSecret); err != nil {
		t.Fatal(err)
	}
	h := New(Config{
		Vendors:  vs,
		Log:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		Registry: prometheus.NewRegistry(),
		Ready:    func(ctx context.Context) error { return db.SQL.PingContext(ctx) },
		Webhooks: guard,
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	d := webhooks.New(webhooks.Config{Vendors: vs, Guard: guard, Log: slog.New(slog.DiscardHandler)})
	return &outHub{hub: &hub{t: t, db: db, vendors: vs, srv: srv}, dispatcher: d}
}

// deliver runs what the webhook jobs run: fan-out, then every due attempt.
func (h *outHub) deliver() {
	h.t.Helper()
	ctx := context.Background()
	if _, err := h.dispatcher.FanOut(ctx); err != nil {
		h.t.Fatal(err)
	}
	due, err := h.dispatcher.Due(ctx, 100)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, d := range due {
		if _, err := h.dispatcher.Deliver(ctx, d.ID); err != nil {
			h.t.Fatal(err)
		}
	}
}

// hookReceiver records the webhooks it gets and answers 200.
type hookReceiver struct {
	*httptest.Server
	mu   sync.Mutex
	hits []receivedHook
}

type receivedHook struct {
	header http.Header
	body   []byte
}

func newHookReceiver(t *testing.T) *hookReceiver {
	rc := &hookReceiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.hits = append(rc.hits, receivedHook{r.Header.Clone(), body})
		rc.mu.Unlock()
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *hookReceiver) received() []receivedHook {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]receivedHook(nil), rc.hits...)
}

// verifyHookSignature checks a Duehub-Signature as the API description tells
// vendors to, without the hub's code: HMAC-SHA256 of "<t>.<body>" with the
// secret, hex, compared in constant time with any v1, t within 5 minutes.
func verifyHookSignature(t *testing.T, secret, header string, body []byte) {
	t.Helper()
	if !signedWith(secret, header, body, time.Now()) {
		t.Fatalf("Duehub-Signature %q does not match the body with the endpoint's secret, or its t is stale", header)
	}
}

func liftedGuard() *webhooks.Guard {
	return webhooks.NewGuard(webhooks.GuardConfig{AllowPrivate: true})
}

// TestWebhookEndToEnd: an event recorded for vendor A is in A's feed and
// reaches A's receiver, signed, and shows in the delivery log; it can be
// sent again.
func TestWebhookEndToEnd(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newOutHub(t, db, liftedGuard())
		a, key := h.vendor("Northwind")
		rc := newHookReceiver(t)

		r := h.do("POST", "/v1/webhook-endpoints", key, map[string]any{
			"url": rc.URL + "/duehub", "event_types": []string{"question.created", "dispute.created"}, "description": "AR bot",
		})
		if r.status != 201 {
			t.Fatalf("register: %d %s", r.status, r.body)
		}
		var ep createdEndpoint
		r.json(t, &ep)
		if !strings.HasPrefix(ep.Secret, "whsec_") || !strings.HasPrefix(ep.ID, "we_") || ep.Status != "enabled" {
			t.Fatalf("created endpoint: %s", r.body)
		}

		ctx := context.Background()
		if err := h.vendors.RecordEvent(ctx, a, "pay.clicked", eventData(t, "pay.clicked", map[string]any{"invoice_external_id": "INV-1"})); err != nil { // not subscribed
			t.Fatal(err)
		}
		if err := h.vendors.RecordEvent(ctx, a, "question.created",
			eventData(t, "question.created", map[string]any{"thread_id": 7, "invoice_external_id": "INV-1", "body": "Which PO?"})); err != nil {
			t.Fatal(err)
		}
		var feed eventList
		h.do("GET", "/v1/events", key, nil).json(t, &feed)
		if len(feed.Data) != 2 || feed.Data[1].Type != "question.created" {
			t.Fatalf("feed: %+v", feed)
		}
		event := feed.Data[1]

		h.deliver()
		hits := rc.received()
		if len(hits) != 1 {
			t.Fatalf("the receiver got %d webhooks, want 1 (the subscribed event)", len(hits))
		}
		verifyHookSignature(t, ep.Secret, hits[0].header.Get("Duehub-Signature"), hits[0].body)
		if got := hits[0].header.Get("Duehub-Event-Id"); got != event.ID {
			t.Errorf("Duehub-Event-Id = %q, want %q", got, event.ID)
		}
		var got webhooks.Event
		if err := json.Unmarshal(hits[0].body, &got); err != nil {
			t.Fatal(err)
		}
		if got.ID != event.ID || got.Type != event.Type || !got.CreatedAt.Equal(event.CreatedAt) || !bytes.Equal(got.Data, event.Data) {
			t.Errorf("webhook body %s differs from the feed's event %+v", hits[0].body, event)
		}

		var log deliveryList
		h.do("GET", "/v1/webhook-endpoints/"+ep.ID+"/deliveries", key, nil).json(t, &log)
		if len(log.Data) != 1 {
			t.Fatalf("delivery log: %+v", log)
		}
		d := log.Data[0]
		if d.Status != "delivered" || d.EventID != event.ID || d.EventType != "question.created" || d.AttemptCount != 1 ||
			len(d.Attempts) != 1 || d.Attempts[0].ResponseCode == nil || *d.Attempts[0].ResponseCode != 200 || d.DeliveredAt == nil {
			t.Fatalf("delivery: %+v", d)
		}

		r = h.do("POST", "/v1/webhook-endpoints/"+ep.ID+"/deliveries/"+d.ID+"/resend", key, nil)
		if r.status != 202 {
			t.Fatalf("resend: %d %s", r.status, r.body)
		}
		h.deliver()
		if hits = rc.received(); len(hits) != 2 || hits[1].header.Get("Duehub-Event-Id") != event.ID {
			t.Fatalf("after resend the receiver got %d webhooks", len(hits))
		}
		verifyHookSignature(t, ep.Secret, hits[1].header.Get("Duehub-Signature"), hits[1].body)
		h.do("GET", "/v1/webhook-endpoints/"+ep.ID+"/deliveries", key, nil).json(t, &log)
		if d := log.Data[0]; d.Status != "delivered" || d.AttemptCount != 2 || len(d.Attempts) != 2 {
			t.Fatalf("delivery after resend: %+v", d)
		}
	})
}

func TestWebhookEndpointLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newOutHub(t, db, liftedGuard())
		_, key := h.vendor("Northwind")

		r := h.do("POST", "/v1/webhook-endpoints", key, map[string]any{"url": "https://hooks.vendor.example/a"},
			"Idempotency-Key", "create-a")
		var created createdEndpoint
		r.json(t, &created)
		if r.status != 201 || len(created.EventTypes) != 0 || created.Description != "" {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		replay := h.do("POST", "/v1/webhook-endpoints", key, map[string]any{"url": "https://hooks.vendor.example/a"},
			"Idempotency-Key", "create-a")
		if replay.status != 201 || !bytes.Equal(replay.body, r.body) || h.count("webhook_endpoints", "") != 1 {
			t.Fatalf("replay: %d %s", replay.status, replay.body)
		}

		for _, path := range []string{"/v1/webhook-endpoints", "/v1/webhook-endpoints/" + created.ID} {
			r := h.do("GET", path, key, nil)
			if r.status != 200 || bytes.Contains(r.body, []byte("whsec_")) || bytes.Contains(r.body, []byte(created.Secret)) {
				t.Errorf("%s shows the secret or fails: %d %s", path, r.status, r.body)
			}
		}
		var list endpointList
		h.do("GET", "/v1/webhook-endpoints", key, nil).json(t, &list)
		if len(list.Data) != 1 || list.Data[0].ID != created.ID || list.Data[0].URL != "https://hooks.vendor.example/a" {
			t.Fatalf("list: %+v", list)
		}
		var log deliveryList
		h.do("GET", "/v1/webhook-endpoints/"+created.ID+"/deliveries", key, nil).json(t, &log)
		if len(log.Data) != 0 || log.NextCursor != nil {
			t.Fatalf("empty delivery log: %+v", log)
		}

		invalid := []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{}, "url"},
			{map[string]any{"url": "hooks.vendor.example"}, "url"},
			{map[string]any{"url": "https://hooks.vendor.example/a", "event_types": []string{"question.created", "invoice.eaten"}}, "event_types[1]"},
			{map[string]any{"url": "https://hooks.vendor.example/a", "description": strings.Repeat("x", 501)}, "description"},
			{map[string]any{"url": "https://hooks.vendor.example/a", "secret": "mine"}, "secret"},
			{map[string]any{"url": "https://hooks.vendor.example/a", "event_types": "question.created"}, "event_types"},
		}
		for _, c := range invalid {
			p := h.do("POST", "/v1/webhook-endpoints", key, c.body).problem(t, 422)
			fieldMessage(t, p.Errors, c.field)
		}
		h.do("POST", "/v1/webhook-endpoints", key, "{").problem(t, 400)

		if r := h.do("DELETE", "/v1/webhook-endpoints/"+created.ID, key, nil); r.status != 204 {
			t.Fatalf("delete: %d %s", r.status, r.body)
		}
		h.do("GET", "/v1/webhook-endpoints/"+created.ID, key, nil).problem(t, 404)
		h.do("DELETE", "/v1/webhook-endpoints/"+created.ID, key, nil).problem(t, 404)
		h.do("GET", "/v1/webhook-endpoints/we_nope/deliveries", key, nil).problem(t, 404)

		for i := 0; i < vendors.MaxWebhookEndpoints; i++ {
			if r := h.do("POST", "/v1/webhook-endpoints", key, map[string]any{"url": "https://hooks.vendor.example/" + strconv.Itoa(i)}); r.status != 201 {
				t.Fatalf("endpoint %d: %d %s", i, r.status, r.body)
			}
		}
		h.do("POST", "/v1/webhook-endpoints", key, map[string]any{"url": "https://hooks.vendor.example/one-too-many"}).problem(t, 422)
	})
}

// hookDNS resolves names for the guard in registration tests.
type hookDNS map[string]string

func (f hookDNS) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	a, ok := f[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return []netip.Addr{netip.MustParseAddr(a)}, nil
}

// TestWebhookURLsRefused: with the guard on, registration refuses targets
// that are or resolve to private addresses, and plain http; nothing
// connects to a canary on loopback meanwhile.
func TestWebhookURLsRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		var accepted atomic.Int64
		go func() {
			for {
				conn, err := ln.Accept()
				if err != nil {
					return
				}
				accepted.Add(1)
				conn.Close()
			}
		}()
		_, port, _ := net.SplitHostPort(ln.Addr().String())

		guard := webhooks.NewGuard(webhooks.GuardConfig{Resolver: hookDNS{
			"loopback.example": "127.0.0.1", "hooks.vendor.example": "93.184.215.14",
		}})
		h := newOutHub(t, db, guard)
		_, key := h.vendor("Northwind")
		for _, host := range []string{
			"127.0.0.1", "localhost", "[::1]", "10.0.0.1", "192.168.1.1", "169.254.169.254",
			"0x7f000001", "2130706433", "[::ffff:127.0.0.1]", "loopback.example",
		} {
			p := h.do("POST", "/v1/webhook-endpoints", key, map[string]any{"url": "https://" + host + ":" + port + "/hook"}).problem(t, 422)
			if msg := fieldMessage(t, p.Errors, "url"); !strings.Contains(msg, "public address") {
				t.Errorf("%s: %q", host, msg)
			}
		}
		p := h.do("POST", "/v1/webhook-endpoints", key, map[string]any{"url": "http://hooks.vendor.example/hook"}).problem(t, 422)
		if msg := fieldMessage(t, p.Errors, "url"); !strings.Contains(msg, "https") {
			t.Errorf("plain http: %q", msg)
		}
		if r := h.do("POST", "/v1/webhook-endpoints", key, map[string]any{"url": "https://hooks.vendor.example/hook"}); r.status != 201 {
			t.Fatalf("a public https URL: %d %s", r.status, r.body)
		}
		if n := h.count("webhook_endpoints", ""); n != 1 {
			t.Errorf("%d endpoints stored, want only the public one", n)
		}
		if n := accepted.Load(); n != 0 {
			t.Fatalf("the loopback canary accepted %d connections, want 0", n)
		}
	})
}

// TestWebhooksSeeOnlyTheirOwn walks vendor B over vendor A's events,
// endpoints and deliveries: nothing listed, 404 everywhere, A untouched.
func TestWebhooksSeeOnlyTheirOwn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newOutHub(t, db, liftedGuard())
		a, keyA := h.vendor("Northwind")
		_, keyB := h.vendor("Contoso")
		rc := newHookReceiver(t)

		var epA, epB createdEndpoint
		h.do("POST", "/v1/webhook-endpoints", keyA, map[string]any{"url": rc.URL + "/a", "description": "A-secret-hook"}).json(t, &epA)
		h.do("POST", "/v1/webhook-endpoints", keyB, map[string]any{"url": rc.URL + "/b"}).json(t, &epB)
		if err := h.vendors.RecordEvent(context.Background(), a, "question.created",
			eventData(t, "question.created", map[string]any{"body": "A-private-question"})); err != nil {
			t.Fatal(err)
		}
		h.deliver()
		var logA deliveryList
		h.do("GET", "/v1/webhook-endpoints/"+epA.ID+"/deliveries", keyA, nil).json(t, &logA)
		if len(logA.Data) != 1 {
			t.Fatalf("A's delivery log: %+v", logA)
		}
		delA := logA.Data[0].ID
		secretsOfA := [][]byte{[]byte("A-secret-hook"), []byte("A-private-question"), []byte(epA.ID), []byte(delA), []byte(rc.URL + "/a")}
		noTraceOfA := func(path string, r response) {
			t.Helper()
			for _, s := range secretsOfA {
				if bytes.Contains(r.body, s) {
					t.Errorf("%s as B shows %s: %s", path, s, r.body)
				}
			}
		}

		for _, path := range []string{"/v1/events", "/v1/webhook-endpoints", "/v1/webhook-endpoints/" + epB.ID + "/deliveries"} {
			r := h.do("GET", path, keyB, nil)
			if r.status != 200 {
				t.Errorf("%s as B: %d", path, r.status)
			}
			noTraceOfA(path, r)
		}
		walk := []struct{ method, path string }{
			{"GET", "/v1/webhook-endpoints/" + epA.ID},
			{"GET", "/v1/webhook-endpoints/" + epA.ID + "/deliveries"},
			{"POST", "/v1/webhook-endpoints/" + epA.ID + "/deliveries/" + delA + "/resend"},
			{"POST", "/v1/webhook-endpoints/" + epB.ID + "/deliveries/" + delA + "/resend"},
			{"DELETE", "/v1/webhook-endpoints/" + epA.ID},
		}
		for _, w := range walk {
			r := h.do(w.method, w.path, keyB, nil)
			r.problem(t, 404)
			noTraceOfA(w.path, r)
		}

		// A's endpoint and delivery are as they were.
		h.do("GET", "/v1/webhook-endpoints/"+epA.ID+"/deliveries", keyA, nil).json(t, &logA)
		if len(logA.Data) != 1 || logA.Data[0].Status != "delivered" || logA.Data[0].AttemptCount != 1 {
			t.Fatalf("A's delivery after B's walk: %+v", logA)
		}
		if n := len(rc.received()); n != 1 {
			t.Fatalf("the receiver got %d webhooks, want A's one (B has no event)", n)
		}
	})
}
