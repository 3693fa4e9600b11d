package handlers

import (
	"context"
	"crypto/ecdsa"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/duehub/duehub/admins"
	"github.com/duehub/duehub/analytics"
	"github.com/duehub/duehub/audit"
	"github.com/duehub/duehub/branding"
	"github.com/duehub/duehub/checkout"
	"github.com/duehub/duehub/console"
	"github.com/duehub/duehub/imports"
	"github.com/duehub/duehub/inbound"
	"github.com/duehub/duehub/links"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/notify/outbox"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/privacy"
	"github.com/duehub/duehub/ratelimit"
	"github.com/duehub/duehub/risk"
	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
	"github.com/duehub/duehub/webhooks"
)

// Config is what the HTTP layer needs, wired by main.
type Config struct {
	Vendors *vendors.Store
	Log     *slog.Logger
	// Registry receives the HTTP metrics and is served at /metrics.
	Registry *prometheus.Registry
	// Ready reports whether the hub can serve: database reachable, schema current.
	Ready func(ctx context.Context) error
	// Outbox, when set, serves the dev outbox at /dev/outbox.
	Outbox *outbox.Store
	// OperatorToken, when set, guards the dev outbox pages: a request must
	// carry it as Authorization: Bearer <token>.
	OperatorToken string
	// Payers and Links serve the pages digest links open.
	Payers *payers.Store
	Links  *links.Signer
	// Threads serves questions and disputes, to payers and to vendors.
	Threads *threads.Store
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// SendGridWebhookKey verifies SendGrid's Signed Event Webhook; nil
	// turns POST /webhooks/sendgrid off (404).
	SendGridWebhookKey *ecdsa.PublicKey
	// TwilioAuthToken verifies Twilio's webhooks against PublicURL; empty
	// turns POST /webhooks/twilio/* off (404).
	TwilioAuthToken string
	// PublicURL is the hub's public base URL, as configured at the providers.
	PublicURL string
	// Secret signs portal sessions and CSRF tokens.
	Secret string
	// Mailer sends the portal's own emails (one-time codes, fresh links)
	// from MailFrom.
	Mailer   notify.Sender
	MailFrom string
	// Webhooks decides which webhook endpoint URLs may be registered; nil
	// refuses private and loopback targets and plain http.
	Webhooks *webhooks.Guard
	// Limiter enforces Limits; nil turns rate limiting off.
	Limiter *ratelimit.Limiter
	Limits  Limits
	// Load bounds the requests worked on at once and sets their deadline;
	// the zero value takes the defaults.
	Load Load
	// Inbound routes emailed replies into threads; nil turns the replies
	// page and the Inbound Parse route off. InboundSecret is the last path
	// segment of POST /webhooks/sendgrid/inbound/{secret}; empty turns that
	// route off.
	Inbound       *inbound.Router
	InboundSecret string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For and
	// X-Real-IP name the client, and whose Request-Id is kept. None: the
	// peer address is the client.
	TrustedProxies []netip.Prefix
	// Analytics serves GET /v1/analytics and /vendor/analytics; nil
	// answers them 404.
	Analytics *analytics.Store
	// Risk gives open invoices their late-payment risk (issue 16) and
	// serves /vendor/likely-late; nil leaves risk out and answers 404.
	Risk *risk.Store
	// Issue 15. VendorSignup is the sign-up policy: open, approval (the
	// default, also for "") or closed.
	VendorSignup string
	// Imports serves the CSV import at /vendor/import; nil turns it off.
	Imports *imports.Store
	// Issue 15: the operator console at /admin (off when Admins is nil),
	// the audit log pages, and payer erasure from the console.
	Admins  *admins.Store
	Console *console.Store
	Audit   *audit.Store
	Eraser  *privacy.Eraser
	// Branding serves /vendor/branding and the logos at /brand/..., and
	// brands the portal's vendor sections (issue 15); nil turns it off.
	Branding *branding.Store
	// Checkout, when set, turns on the multi-vendor Stripe checkout (issue
	// 17): /webhooks/stripe, /portal/checkout, /vendor/stripe. Nil hides it.
	Checkout *checkout.Store
}

// Server holds the dependencies of the handlers.
type Server struct {
	vendors  *vendors.Store
	log      *slog.Logger
	registry *prometheus.Registry
	ready    func(ctx context.Context) error
	metrics  *httpMetrics
	outbox   *outbox.Store
	operator []byte
	payers   *payers.Store
	threads  *threads.Store
	links    *links.Signer

	now           func() time.Time
	sendgridKey   *ecdsa.PublicKey
	twilioToken   string
	publicURL     string
	secret        []byte
	cursors       cursorSealer
	mailer        notify.Sender
	mailFrom      string
	webhooks      *webhooks.Guard
	limiter       *ratelimit.Limiter
	limits        Limits
	shed          *shedder
	inbound       *inbound.Router
	inboundSecret []byte
	// trustedProxies are the peers whose forwarding headers are believed.
	trustedProxies []netip.Prefix
	// invoiceThreads loads the threads shown on a portal invoice page.
	invoiceThreads func(ctx context.Context, payerID, invoiceID int64) ([]threadView, error)
	analytics      *analytics.Store
	risk           *risk.Store // issue 16
	// Issue 15: vendor sign-up and security events.
	signup  string
	imports *imports.Store
	// Issue 15.
	admins  *admins.Store
	console *console.Store
	audit   *audit.Store
	eraser  *privacy.Eraser
	// Issue 15: vendor branding.
	branding *branding.Store
	// Issue 17.
	checkout *checkout.Store
}

// New returns the hub's HTTP handler.
func New(cfg Config) http.Handler {
	s := &Server{
		vendors:  cfg.Vendors,
		log:      cfg.Log,
		registry: cfg.Registry,
		ready:    cfg.Ready,
		metrics:  newHTTPMetrics(cfg.Registry),
		outbox:   cfg.Outbox,
		operator: []byte(cfg.OperatorToken),
		payers:   cfg.Payers,
		threads:  cfg.Threads,
		links:    cfg.Links,

		now:         cfg.Now,
		sendgridKey: cfg.SendGridWebhookKey,
		twilioToken: cfg.TwilioAuthToken,
		publicURL:   cfg.PublicURL,
		secret:      []byte(cfg.Secret),
		mailer:      cfg.Mailer,
		mailFrom:    cfg.MailFrom,
		webhooks:    cfg.Webhooks,
		limiter:     cfg.Limiter,
		limits:      cfg.Limits,

		trustedProxies: cfg.TrustedProxies,
		analytics:      cfg.Analytics,
		risk:           cfg.Risk,
		admins:         cfg.Admins,  // issue 15
		console:        cfg.Console, // issue 15
		audit:          cfg.Audit,   // issue 15
		eraser:         cfg.Eraser,  // issue 15

		checkout: cfg.Checkout, // issue 17

		inbound:       cfg.Inbound,
		inboundSecret: []byte(cfg.InboundSecret),

		signup:   cfg.VendorSignup,
		imports:  cfg.Imports,
		branding: cfg.Branding, // issue 15
	}
	if s.inbound != nil {
		// An agent's emailed answer tells the payer as a web answer does.
		s.inbound.OnVendorAnswer(s.notifyAnswer)
	}
	s.shed = newShedder(cfg.Load, cfg.Registry)
	s.cursors = newCursorSealer(s.secret)
	if s.webhooks == nil {
		s.webhooks = webhooks.NewGuard(webhooks.GuardConfig{})
	}
	s.invoiceThreads = s.threadsOfInvoice
	if s.now == nil {
		s.now = time.Now
	}
	return s.routes()
}

// vendorID is the authenticated vendor of an API request.
func vendorID(c *gin.Context) int64 { return c.GetInt64(ctxVendorID) }
