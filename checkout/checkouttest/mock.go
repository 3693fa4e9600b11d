// Package checkouttest runs Stripe's own mock server (stripe-mock) for
// tests, behind a proxy that records what the hub asked Stripe for, and
// signs webhook fixtures with stripe-go's test helper.
package checkouttest

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82/webhook"
)

// Request is one call the hub made to Stripe.
type Request struct {
	Method, Path   string
	Form           url.Values
	IdempotencyKey string
}

// Stripe is a running stripe-mock behind a recording proxy.
type Stripe struct {
	URL string // give it to checkout.Config.APIBase

	mu       sync.Mutex
	requests []Request
}

// Start starts stripe-mock (DUEHUB_STRIPE_MOCK, else stripe-mock on PATH)
// and the proxy; both stop when the test ends. Without the binary the test
// skips loudly, and fails when CI is set.
func Start(t testing.TB) *Stripe {
	t.Helper()
	bin := os.Getenv("DUEHUB_STRIPE_MOCK")
	if bin == "" {
		if p, err := exec.LookPath("stripe-mock"); err == nil {
			bin = p
		}
	}
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("stripe-mock is not installed: Stripe tests cannot run in CI without it (.ci/run installs it and sets DUEHUB_STRIPE_MOCK)")
		}
		t.Skip("SKIPPING Stripe test: GOBIN=/tmp/gobin go install github.com/stripe/stripe-mock@v0.203.0 and set DUEHUB_STRIPE_MOCK=/tmp/gobin/stripe-mock")
	}
	port := freePort(t)
	cmd := exec.Command(bin, "-http-addr", "127.0.0.1:"+strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatalf("checkouttest: start stripe-mock: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	target := "127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", target, 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("checkouttest: stripe-mock did not listen on %s", target)
		}
		time.Sleep(50 * time.Millisecond)
	}
	s := &Stripe{}
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: target})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		if r.Method == http.MethodGet {
			form = r.URL.Query()
		}
		s.mu.Lock()
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Form: form, IdempotencyKey: r.Header.Get("Idempotency-Key")})
		s.mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Requests returns the recorded calls of method to path.
func (s *Stripe) Requests(method, path string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// Event returns a Stripe event of typ carrying object, as Stripe sends it.
func Event(id, typ string, object map[string]any) []byte {
	b, err := json.Marshal(map[string]any{"id": id, "object": "event", "type": typ, "api_version": "2025-07-30.basil",
		"created": time.Now().Unix(), "livemode": false, "data": map[string]any{"object": object}})
	if err != nil {
		panic(err)
	}
	return b
}

// Sign returns the Stripe-Signature header of payload under secret, signed
// now by stripe-go's test helper.
func Sign(payload []byte, secret string) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: time.Now()}).Header
}

// SessionCompleted is a paid checkout.session.completed event.
func SessionCompleted(eventID, sessionID, paymentIntent string) []byte {
	return Event(eventID, "checkout.session.completed", map[string]any{"id": sessionID, "object": "checkout.session",
		"payment_status": "paid", "status": "complete", "payment_intent": paymentIntent})
}

// ChargeRefunded is a charge.refunded event of a fully refunded charge.
func ChargeRefunded(eventID, chargeID, paymentIntent string, amount int64) []byte {
	return Event(eventID, "charge.refunded", map[string]any{"id": chargeID, "object": "charge", "amount": amount,
		"amount_refunded": amount, "refunded": true, "payment_intent": paymentIntent})
}
