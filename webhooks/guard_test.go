package webhooks_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/vendors"
	"github.com/duehub/duehub/webhooks"
)

// canary listens on loopback and counts the connections it accepts.
type canary struct {
	port     string
	accepted atomic.Int64
}

func newCanary(t *testing.T) *canary {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &canary{}
	_, c.port, _ = net.SplitHostPort(ln.Addr().String())
	serve := func(ln net.Listener) {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			c.accepted.Add(1)
			conn.Close()
		}
	}
	go serve(ln)
	t.Cleanup(func() { ln.Close() })
	// The same port on IPv6 loopback, where the machine has it.
	if ln6, err := net.Listen("tcp6", "[::1]:"+c.port); err == nil {
		go serve(ln6)
		t.Cleanup(func() { ln6.Close() })
	}
	return c
}

// refusedHosts are hosts that are, or resolve to, addresses webhooks must
// never reach.
var refusedHosts = []string{
	"127.0.0.1", "localhost", "[::1]", "10.0.0.1", "192.168.1.1", "169.254.169.254",
	"0x7f000001", "2130706433", "[::ffff:127.0.0.1]", "loopback.example",
	"127.1", "0177.0.0.1", "api.localhost", "172.16.5.4", "100.64.0.1", "0.0.0.0", "[::]",
	"224.0.0.1", "[fe80::1]", "[fd00:ec2::254]", "[fc00::1]", "[64:ff9b::7f00:1]", "rebound.example",
}

var dns = fakeDNS{
	"loopback.example":     {"127.0.0.1"},
	"rebound.example":      {"93.184.215.14", "127.0.0.1"},
	"hooks.vendor.example": {"93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"},
}

func strict() *webhooks.Guard {
	return webhooks.NewGuard(webhooks.GuardConfig{Resolver: dns, Timeout: time.Second})
}

// TestGuardRefusesPrivateTargets: each refused host is refused at
// registration and at dial time, and a canary on loopback sees nothing.
func TestGuardRefusesPrivateTargets(t *testing.T) {
	c := newCanary(t)
	g := strict()
	ctx := context.Background()
	for _, host := range refusedHosts {
		url := "https://" + host + ":" + c.port + "/hook"
		t.Run(host, func(t *testing.T) {
			var ve *vendors.ValidationError
			if err := g.CheckURL(ctx, url); !errors.As(err, &ve) || ve.Fields[0].Field != "url" {
				t.Errorf("registration: %v, want a validation error on url", err)
			}
			resp, err := g.Client().Post(url, "application/json", strings.NewReader("{}"))
			if err == nil {
				resp.Body.Close()
				t.Fatalf("dial: %s answered %d", url, resp.StatusCode)
			}
			if !errors.Is(err, webhooks.ErrRefused) {
				t.Errorf("dial: %v, want ErrRefused", err)
			}
		})
	}
	if n := c.accepted.Load(); n != 0 {
		t.Fatalf("the loopback canary accepted %d connections, want 0", n)
	}

	// The canary works: with the guard lifted it sees the connection.
	resp, err := open().Client().Get("http://127.0.0.1:" + c.port)
	if err == nil {
		resp.Body.Close()
	}
	if n := c.accepted.Load(); n != 1 {
		t.Fatalf("with the guard lifted the canary accepted %d connections, want 1", n)
	}
}

// TestDeliveriesToPrivateTargetsAreRefused: endpoints that got past
// registration (DNS changed since, or rows written by hand) are refused on
// every attempt, and the refusal shows in the delivery log.
func TestDeliveriesToPrivateTargetsAreRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		c := newCanary(t)
		e := newEnv(t, db, strict())
		for i, host := range refusedHosts {
			if i > 0 && i%vendors.MaxWebhookEndpoints == 0 { // on to a second vendor
				e.event("question.created", map[string]any{"thread_id": 1})
				v, err := e.vendors.CreateVendor(context.Background(), vendors.NewVendor{Name: "Contoso"})
				if err != nil {
					t.Fatal(err)
				}
				e.vendor = v
			}
			e.endpoint("https://" + host + ":" + c.port + "/hook")
		}
		e.event("question.created", map[string]any{"thread_id": 1})
		e.run()
		e.next()
		e.run()
		ds := e.deliveries()
		if len(ds) != len(refusedHosts) {
			t.Fatalf("%d deliveries, want %d", len(ds), len(refusedHosts))
		}
		for _, d := range ds {
			if d.Status != vendors.DeliveryPending || d.Attempts < 1 || !strings.HasPrefix(d.LastError, "refused") {
				t.Errorf("delivery %d: %s after %d attempts, %q", d.ID, d.Status, d.Attempts, d.LastError)
			}
		}
		if n := c.accepted.Load(); n != 0 {
			t.Fatalf("the loopback canary accepted %d connections, want 0", n)
		}
	})
}

func TestCheckURL(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		guard *webhooks.Guard
		url   string
		want  string // "" when accepted, else a piece of the message
	}{
		{strict(), "https://hooks.vendor.example/duehub", ""},
		{strict(), "https://hooks.vendor.example:8443/duehub?tenant=7", ""},
		{strict(), "https://93.184.215.14/duehub", ""},
		{strict(), "http://hooks.vendor.example/duehub", "https"},
		{strict(), "ftp://hooks.vendor.example/duehub", "https"},
		{strict(), "https://nowhere.example/duehub", "does not resolve"},
		{strict(), "https://rebound.example/duehub", "loopback"},
		{strict(), "https://169.254.169.254/latest/meta-data", "metadata"},
		{strict(), "https://10.1.2.3/", "private"},
		{strict(), "https://100.100.100.100/", "CGNAT"},
		{strict(), "/relative", "absolute"},
		{open(), "http://127.0.0.1:8080/hook", ""},
		{open(), "https://localhost/hook", ""},
		{open(), "ftp://127.0.0.1/hook", "https"},
	}
	for _, c := range cases {
		err := c.guard.CheckURL(ctx, c.url)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v, want accepted", c.url, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want refused over %q", c.url, err, c.want)
		}
	}
}

// TestRedirectsAreNotFollowed: the client hands back the 3xx itself.
func TestRedirectsAreNotFollowed(t *testing.T) {
	target := newReceiver(t)
	rc := newReceiver(t, status(http.StatusFound, "Location", target.URL))
	resp, err := open().Client().Post(rc.URL, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || target.count() != 0 {
		t.Fatalf("status %d, target hit %d times; want 302 and 0", resp.StatusCode, target.count())
	}
}
