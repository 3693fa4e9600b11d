package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/handlers"
	"github.com/duehub/duehub/migrations"
	"github.com/duehub/duehub/ratelimit"
)

// config is the hub's configuration: environment first, flags override.
type config struct {
	DatabaseURL string
	Addr        string
	BaseURL     string
	Secret      string
	Migrate     bool
	LogLevel    string
	Channels    channelConfig
	// WebhooksAllowPrivate lifts the webhook SSRF guard (development and
	// tests only); allowPrivateErr is a DUEHUB_WEBHOOKS_ALLOW_PRIVATE that is
	// not a boolean.
	WebhooksAllowPrivate bool
	allowPrivateErr      error
	// OperatorToken, when set, guards the dev outbox pages (sent as
	// Authorization: Bearer); it is read from the environment only, so that
	// it does not show in the process list.
	OperatorToken string
	// Rates are the rate limits as configured ("100/s", "off"); validate
	// reads them into Limits. TrustedProxies likewise into Proxies.
	Rates          rateFlags
	Limits         handlers.Limits
	TrustedProxies string
	Proxies        []netip.Prefix
	// PlanEvery is the period of the digest planning pass, as configured
	// (planEvery) and parsed by validate.
	PlanEvery time.Duration
	planEvery string
	// MaxInFlight and RequestTimeout are the load limits as written ("" for
	// the default); validate reads them into Load.
	MaxInFlight, RequestTimeout string
	Load                        handlers.Load
	// Inbound is how replies reach the hub (cmd/duehub/inbound.go).
	Inbound inboundConfig
	// VendorSignup is the sign-up policy: open, approval or closed (issue 15).
	VendorSignup string
	// RetentionDays is how long sent message bodies are kept (issue 15;
	// DUEHUB_RETENTION_DAYS, default 90, 0 keeps them); validate parses
	// retentionDays into it.
	RetentionDays int
	retentionDays string
}

// rateFlags are the rate limits as written in the environment or flags.
type rateFlags struct{ API, AuthFailures, FormIP, FormTarget string }

// configError is bad configuration: it stops start-up with one line naming the variable.
type configError struct{ msg string }

func (e configError) Error() string { return e.msg }

func badConfig(variable, format string, args ...any) error {
	return configError{variable + ": " + fmt.Sprintf(format, args...)}
}

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

// newFlags returns a flag set for a command with the settings every command
// shares; commands that run the hub's work (hub) add the hub's settings.
func newFlags(name, synopsis string, cfg *config, hub bool) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(&cfg.DatabaseURL, "database-url", envOr("DUEHUB_DATABASE_URL", "duehub.db"),
		"database: a SQLite file path, or postgres://… (DUEHUB_DATABASE_URL)")
	migrateDefault, _ := strconv.ParseBool(envOr("DUEHUB_MIGRATE", "true"))
	fs.BoolVar(&cfg.Migrate, "migrate", migrateDefault,
		"apply pending migrations at start; with false, refuse to run on a schema that is behind (DUEHUB_MIGRATE)")
	fs.StringVar(&cfg.LogLevel, "log-level", envOr("DUEHUB_LOG_LEVEL", "info"), "debug, info, warn or error (DUEHUB_LOG_LEVEL)")
	if hub {
		fs.StringVar(&cfg.Addr, "addr", envOr("DUEHUB_ADDR", "127.0.0.1:8080"), "listen address (DUEHUB_ADDR)")
		fs.StringVar(&cfg.BaseURL, "base-url", envOr("DUEHUB_BASE_URL", ""),
			"public URL of the hub used in links (DUEHUB_BASE_URL; default http://ADDR)")
		fs.StringVar(&cfg.Secret, "secret", envOr("DUEHUB_SECRET", ""),
			"signing secret, at least 32 characters (DUEHUB_SECRET; default: generated once and kept in the database)")
		cfg.Channels.flags(fs)
		cfg.Inbound.flags(fs)
		fs.StringVar(&cfg.VendorSignup, "vendor-signup", envOr("DUEHUB_VENDOR_SIGNUP", "approval"),
			"vendor self sign-up at /vendor/signup: open, approval (the operator approves) or closed (DUEHUB_VENDOR_SIGNUP)") // issue 15
		cfg.OperatorToken = envOr("DUEHUB_OPERATOR_TOKEN", "")
		allowPrivate, err := strconv.ParseBool(envOr("DUEHUB_WEBHOOKS_ALLOW_PRIVATE", "false"))
		cfg.allowPrivateErr = err
		fs.BoolVar(&cfg.WebhooksAllowPrivate, "webhooks-allow-private", allowPrivate,
			"let webhooks reach private and loopback addresses over plain http: development and tests only (DUEHUB_WEBHOOKS_ALLOW_PRIVATE)")
		fs.StringVar(&cfg.Rates.API, "rate-api", envOr("DUEHUB_RATE_API", "100/s"),
			"requests per API key, COUNT/WINDOW like 100/s or 3/10m, or off (DUEHUB_RATE_API)")
		fs.StringVar(&cfg.Rates.AuthFailures, "rate-auth-failures", envOr("DUEHUB_RATE_AUTH_FAILURES", "20/min"),
			"failed authentications per client IP before it is refused (DUEHUB_RATE_AUTH_FAILURES)")
		fs.StringVar(&cfg.Rates.FormIP, "rate-form-ip", envOr("DUEHUB_RATE_FORM_IP", "20/10m"),
			"posts per client IP of the forms that send mail: fresh link, sign-in link, codes (DUEHUB_RATE_FORM_IP)")
		fs.StringVar(&cfg.Rates.FormTarget, "rate-form-target", envOr("DUEHUB_RATE_FORM_TARGET", "3/10m"),
			"messages those forms send to one address or payer (DUEHUB_RATE_FORM_TARGET)")
		fs.StringVar(&cfg.planEvery, "plan-every", envOr("DUEHUB_PLAN_EVERY", "1m"),
			"period of the digest planning pass, 1s to 1h (DUEHUB_PLAN_EVERY)")
		fs.StringVar(&cfg.TrustedProxies, "trusted-proxies", envOr("DUEHUB_TRUSTED_PROXIES", ""),
			"comma-separated IPs and CIDR ranges of reverse proxies whose X-Forwarded-For names the client; none by default (DUEHUB_TRUSTED_PROXIES)")
		fs.StringVar(&cfg.MaxInFlight, "max-inflight", envOr("DUEHUB_MAX_INFLIGHT", ""),
			"requests worked on at once before the next ones get 503 (DUEHUB_MAX_INFLIGHT; default 4 per CPU, at most 40 on PostgreSQL and 8 on SQLite)")
		fs.StringVar(&cfg.RequestTimeout, "request-timeout", envOr("DUEHUB_REQUEST_TIMEOUT", ""),
			"deadline of each request, like 10s; its database queries are cancelled past it (DUEHUB_REQUEST_TIMEOUT; default 10s)")
		fs.StringVar(&cfg.retentionDays, "retention-days", envOr("DUEHUB_RETENTION_DAYS", "90"),
			"days sent message bodies are kept before a daily job empties them; 0 keeps them (DUEHUB_RETENTION_DAYS)") // issue 15
	}
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "Usage: duehub %s\n\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	fs.SetOutput(stdout)
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return configError{err.Error()}
	}
	return nil
}

// validate checks the configuration and fills derived defaults.
func (c *config) validate() error {
	if c.DatabaseURL == "" {
		return badConfig("DUEHUB_DATABASE_URL", "must not be empty")
	}
	if strings.HasPrefix(c.DatabaseURL, "postgres") {
		if u, err := url.Parse(c.DatabaseURL); err != nil || u.Host == "" {
			return badConfig("DUEHUB_DATABASE_URL", "is not a valid postgres:// URL")
		}
	}
	switch c.VendorSignup { // issue 15
	case "", "open", "approval", "closed":
	default:
		return badConfig("DUEHUB_VENDOR_SIGNUP", "%q is not open, approval or closed", c.VendorSignup)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return badConfig("DUEHUB_LOG_LEVEL", "%q is not debug, info, warn or error", c.LogLevel)
	}
	if c.Addr != "" {
		if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
			return badConfig("DUEHUB_ADDR", "%q is not host:port, like 127.0.0.1:8080", c.Addr)
		}
	}
	if c.BaseURL == "" && c.Addr != "" {
		c.BaseURL = "http://" + c.Addr
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return badConfig("DUEHUB_BASE_URL", "%q is not an absolute http(s) URL", c.BaseURL)
		}
		c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	}
	if c.allowPrivateErr != nil {
		return badConfig("DUEHUB_WEBHOOKS_ALLOW_PRIVATE", "must be true or false")
	}
	if c.OperatorToken != "" && len(c.OperatorToken) < 32 {
		return badConfig("DUEHUB_OPERATOR_TOKEN", "must be at least 32 characters")
	}
	if c.Secret != "" && len(c.Secret) < 32 {
		return badConfig("DUEHUB_SECRET", "must be at least 32 characters")
	}
	for _, r := range []struct {
		variable, value string
		rule            *ratelimit.Rule
	}{
		{"DUEHUB_RATE_API", c.Rates.API, &c.Limits.API},
		{"DUEHUB_RATE_AUTH_FAILURES", c.Rates.AuthFailures, &c.Limits.AuthFailures},
		{"DUEHUB_RATE_FORM_IP", c.Rates.FormIP, &c.Limits.FormIP},
		{"DUEHUB_RATE_FORM_TARGET", c.Rates.FormTarget, &c.Limits.FormTarget},
	} {
		if r.value == "" {
			continue // a command without the hub's settings
		}
		rule, err := ratelimit.ParseRule(r.value)
		if err != nil {
			return badConfig(r.variable, "%v", strings.TrimPrefix(err.Error(), "ratelimit: "))
		}
		*r.rule = rule
	}
	if c.planEvery != "" {
		d, err := time.ParseDuration(c.planEvery)
		if err != nil || d < time.Second || d > time.Hour {
			return badConfig("DUEHUB_PLAN_EVERY", "%q is not a duration from 1s to 1h, like 1m", c.planEvery)
		}
		c.PlanEvery = d
	}
	proxies, err := handlers.ParseTrustedProxies(c.TrustedProxies)
	if err != nil {
		return badConfig("DUEHUB_TRUSTED_PROXIES", "%v", err)
	}
	c.Proxies = proxies
	if c.retentionDays != "" { // issue 15
		n, err := strconv.Atoi(c.retentionDays)
		if err != nil || n < 0 || n > 36500 {
			return badConfig("DUEHUB_RETENTION_DAYS", "%q is not a number of days from 0 to 36500", c.retentionDays)
		}
		c.RetentionDays = n
	}
	if err := c.Inbound.validate(); err != nil {
		return err
	}
	return c.validateLoad()
}

// validateLoad reads the load limits. SQLite has one connection: a few
// requests at once keep it busy. PostgreSQL takes the handlers' default.
func (c *config) validateLoad() error {
	c.Load.MaxInFlight = handlers.DefaultMaxInFlight()
	if database.DialectOf(c.DatabaseURL) == migrations.SQLite {
		c.Load.MaxInFlight = min(8, c.Load.MaxInFlight)
	}
	if c.MaxInFlight != "" {
		n, err := strconv.Atoi(c.MaxInFlight)
		if err != nil || n < 1 || n > 100_000 {
			return badConfig("DUEHUB_MAX_INFLIGHT", "%q is not a whole number from 1 to 100000", c.MaxInFlight)
		}
		c.Load.MaxInFlight = n
	}
	if c.RequestTimeout != "" {
		d, err := time.ParseDuration(c.RequestTimeout)
		if err != nil || d < 100*time.Millisecond {
			return badConfig("DUEHUB_REQUEST_TIMEOUT", "%q is not a duration of at least 100ms, like 10s", c.RequestTimeout)
		}
		c.Load.RequestTimeout = d
	}
	return nil
}
