package webhooks_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/notify/outbox"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
	"github.com/duehub/duehub/webhooks"
)

var start = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// testHubSecret stands for DUEHUB_SECRET.
const testHubSecret = "test-hub-secret-0123456789abcdefghij"

// clock is a fake clock the tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// env is a hub's webhook machinery on a real database, with a fake clock
// and one vendor.
type env struct {
	t       *testing.T
	db      *database.DB
	clock   *clock
	vendors *vendors.Store
	box     *outbox.Store
	d       *webhooks.Dispatcher
	vendor  vendors.Vendor
}

func newEnv(t *testing.T, db *database.DB, guard *webhooks.Guard) *env {
	t.Helper()
	c := &clock{t: start}
	vs := vendors.NewStore(db.Gorm, payers.NewStore(db.Gorm, c.Now), c.Now)
	if err := vs.UseSecretKey(testHubSecret); err != nil {
		t.Fatal(err)
	}
	box := outbox.New(db.Gorm, c.Now)
	v, err := vs.CreateVendor(context.Background(), vendors.NewVendor{Name: "Northwind", SupportEmail: "ar@northwind.example"})
	if err != nil {
		t.Fatal(err)
	}
	d := webhooks.New(webhooks.Config{
		Vendors: vs, Guard: guard, Mailer: box, MailFrom: "hub@duehub.example", Now: c.Now,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	return &env{t: t, db: db, clock: c, vendors: vs, box: box, d: d, vendor: v}
}

// endpoint registers url for the vendor straight in the store, past the
// registration check (as if DNS changed after registration).
func (e *env) endpoint(url string, types ...string) vendors.WebhookEndpoint {
	e.t.Helper()
	ep, err := e.vendors.CreateWebhookEndpoint(context.Background(), e.vendor.ID, vendors.NewWebhookEndpoint{URL: url, EventTypes: types})
	if err != nil {
		e.t.Fatal(err)
	}
	return ep
}

func (e *env) event(typ string, data any) {
	e.t.Helper()
	if err := e.vendors.RecordEvent(context.Background(), e.vendor.ID, typ, data); err != nil {
		e.t.Fatal(err)
	}
}

// run fans events out and makes every attempt due now, as the jobs would.
func (e *env) run() {
	e.t.Helper()
	ctx := context.Background()
	if _, err := e.d.FanOut(ctx); err != nil {
		e.t.Fatal(err)
	}
	due, err := e.d.Due(ctx, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, dd := range due {
		if _, err := e.d.Deliver(ctx, dd.ID); err != nil {
			e.t.Fatal(err)
		}
	}
}

// next moves the clock to the earliest pending attempt; false when none is pending.
func (e *env) next() bool {
	e.t.Helper()
	var d vendors.WebhookDelivery
	err := e.db.Gorm.Where("status = ?", vendors.DeliveryPending).Order("next_attempt_at").Limit(1).Find(&d).Error
	if err != nil {
		e.t.Fatal(err)
	}
	if d.ID == 0 {
		return false
	}
	if d.NextAttemptAt.After(e.clock.Now()) {
		e.clock.Set(d.NextAttemptAt.UTC())
	}
	return true
}

func (e *env) deliveries() []vendors.WebhookDelivery {
	e.t.Helper()
	var ds []vendors.WebhookDelivery
	if err := e.db.Gorm.Order("id").Find(&ds).Error; err != nil {
		e.t.Fatal(err)
	}
	return ds
}

func (e *env) attempts(deliveryID int64) []vendors.WebhookAttempt {
	e.t.Helper()
	var as []vendors.WebhookAttempt
	if err := e.db.Gorm.Where("delivery_id = ?", deliveryID).Order("id").Find(&as).Error; err != nil {
		e.t.Fatal(err)
	}
	return as
}

func (e *env) reload(ep vendors.WebhookEndpoint) vendors.WebhookEndpoint {
	e.t.Helper()
	got, err := e.vendors.GetWebhookEndpoint(context.Background(), e.vendor.ID, ep.PublicID)
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

// receiver is a webhook receiver that answers from a script, then 200.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	script []func(w http.ResponseWriter, r *http.Request)
	hits   []hit
}

type hit struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, script ...func(w http.ResponseWriter, r *http.Request)) *receiver {
	rc := &receiver{script: script}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.hits = append(rc.hits, hit{r.Header.Clone(), body})
		var step func(http.ResponseWriter, *http.Request)
		if len(rc.script) > 0 {
			step, rc.script = rc.script[0], rc.script[1:]
		}
		rc.mu.Unlock()
		if step == nil {
			w.WriteHeader(http.StatusOK)
			return
		}
		step(w, r)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.hits)
}

func status(code int, headers ...string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(code)
	}
}

// hang holds the request past any client timeout of the tests.
func hang(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(3 * time.Second):
	}
}

// fakeDNS resolves names from a table, and nothing else.
type fakeDNS map[string][]string

func (f fakeDNS) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	addrs, ok := f[host]
	if !ok {
		return nil, &netDNSError{host}
	}
	out := make([]netip.Addr, len(addrs))
	for i, a := range addrs {
		out[i] = netip.MustParseAddr(a)
	}
	return out, nil
}

type netDNSError struct{ host string }

func (e *netDNSError) Error() string { return "lookup " + e.host + ": no such host" }

// open is a guard lifted for loopback receivers, with a short timeout.
func open() *webhooks.Guard {
	return webhooks.NewGuard(webhooks.GuardConfig{AllowPrivate: true, Timeout: 300 * time.Millisecond})
}
