package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	"code.dny.dev/ssrf"

	"github.com/duehub/duehub/vendors"
)

// DefaultTimeout bounds one delivery attempt, connection to last byte.
const DefaultTimeout = 10 * time.Second

// ErrRefused means a connection to a private, loopback, link-local, CGNAT,
// multicast, unspecified or metadata address was refused.
var ErrRefused = errors.New("refused address")

// Resolver looks up the addresses of a host name; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// GuardConfig sets the outbound policy for webhook targets.
type GuardConfig struct {
	// AllowPrivate lets webhooks reach any address and use plain http: for
	// development and tests only (DUEHUB_WEBHOOKS_ALLOW_PRIVATE).
	AllowPrivate bool
	// Resolver resolves host names (nil: net.DefaultResolver).
	Resolver Resolver
	// Timeout bounds one request (0: DefaultTimeout).
	Timeout time.Duration
}

// Guard decides which webhook URLs may be registered and makes the HTTP
// client that sends deliveries. The client resolves the host itself and
// checks every address it connects to, in the dialer, on every connection:
// an address checked at registration that later resolves elsewhere (DNS
// rebinding) is still refused.
type Guard struct {
	allowPrivate bool
	resolver     Resolver
	guardian     *ssrf.Guardian
	dialer       *net.Dialer
	client       *http.Client
}

// NewGuard returns a Guard.
func NewGuard(cfg GuardConfig) *Guard {
	if cfg.Resolver == nil {
		cfg.Resolver = net.DefaultResolver
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	g := &Guard{
		allowPrivate: cfg.AllowPrivate,
		resolver:     cfg.Resolver,
		// Vendors' receivers listen on any port; the addresses are what matter.
		guardian: ssrf.New(ssrf.WithAnyPort()),
	}
	g.dialer = &net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}
	if !g.allowPrivate {
		g.dialer.Control = g.control
	}
	g.client = &http.Client{
		Timeout: cfg.Timeout,
		// A redirect is a failure, never followed: the receiver must answer itself.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{
			Proxy:                  nil, // a proxy would connect on our behalf, past the dialer's check
			DialContext:            g.dial,
			ForceAttemptHTTP2:      true,
			MaxIdleConns:           100,
			MaxIdleConnsPerHost:    4,
			IdleConnTimeout:        90 * time.Second,
			TLSHandshakeTimeout:    cfg.Timeout,
			ResponseHeaderTimeout:  cfg.Timeout,
			MaxResponseHeaderBytes: 64 << 10,
		},
	}
	return g
}

// AllowPrivate reports whether the guard is lifted.
func (g *Guard) AllowPrivate() bool { return g.allowPrivate }

// Client returns the HTTP client for deliveries.
func (g *Guard) Client() *http.Client { return g.client }

// CheckURL refuses, as a validation error on "url", a URL that is not https
// (http is allowed only with AllowPrivate) or whose host is, or resolves
// to, an address the dialer would refuse.
func (g *Guard) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return vendors.Invalid("url", "must be an absolute https URL like https://hooks.example.com/duehub")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && g.allowPrivate:
	default:
		return vendors.Invalid("url", "must be an https URL")
	}
	if g.allowPrivate {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	host := u.Hostname()
	addrs, err := g.resolve(ctx, host)
	if err != nil {
		return vendors.Invalid("url", fmt.Sprintf("host %q does not resolve: check the name", host))
	}
	for _, a := range addrs {
		if g.check(a) == nil {
			continue
		}
		if a.String() == host {
			return vendors.Invalid("url", fmt.Sprintf("must reach a public address: %s is %s", host, describe(a)))
		}
		return vendors.Invalid("url", fmt.Sprintf("must reach a public address: %s resolves to %s, %s", host, a, describe(a)))
	}
	return nil
}

// dial resolves the host and connects to the first of its addresses that
// answers. A host with any refused address is refused as a whole, as at
// registration (a mixed answer is how DNS rebinding starts); the dialer's
// Control checks the address again on the socket.
func (g *Guard) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	addrs, err := g.resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	if !g.allowPrivate {
		for _, a := range addrs {
			if err := g.check(a); err != nil {
				return nil, err
			}
		}
	}
	var errs []error
	for _, a := range addrs {
		conn, err := g.dialer.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

// control runs on every socket before it connects.
func (g *Guard) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrRefused, address)
	}
	if err := g.check(ap.Addr()); err != nil {
		return err
	}
	if err := g.guardian.Safe(network, address, nil); err != nil {
		return fmt.Errorf("%w: %w", ErrRefused, err)
	}
	return nil
}

// check refuses every address that is not public unicast.
func (g *Guard) check(a netip.Addr) error {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() || cgnat.Contains(a) ||
		metadata[a] {
		return fmt.Errorf("%w: %s is %s", ErrRefused, a, describe(a))
	}
	if err := g.guardian.SafeAddr(a); err != nil {
		return fmt.Errorf("%w: %s is %s", ErrRefused, a, describe(a))
	}
	return nil
}

var (
	cgnat    = netip.MustParsePrefix("100.64.0.0/10")
	metadata = map[netip.Addr]bool{
		netip.MustParseAddr("169.254.169.254"): true,
		netip.MustParseAddr("fd00:ec2::254"):   true,
		netip.MustParseAddr("169.254.170.2"):   true, // ECS task metadata
	}
)

// describe names the kind of a refused address for error messages.
func describe(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case metadata[a]:
		return "a cloud metadata address"
	case a.IsLoopback():
		return "a loopback address"
	case a.IsPrivate():
		return "a private address"
	case cgnat.Contains(a):
		return "a shared (CGNAT) address"
	case a.IsLinkLocalUnicast():
		return "a link-local address"
	case a.IsMulticast():
		return "a multicast address"
	case a.IsUnspecified():
		return "an unspecified address"
	}
	return "a reserved address"
}
