package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/duehub/duehub/admins"
	"github.com/duehub/duehub/analytics"
	"github.com/duehub/duehub/audit"
	"github.com/duehub/duehub/branding"
	"github.com/duehub/duehub/console"
	"github.com/duehub/duehub/handlers"
	"github.com/duehub/duehub/imports"
	"github.com/duehub/duehub/metrics"
	"github.com/duehub/duehub/migrations"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/notify/outbox"
	"github.com/duehub/duehub/privacy"
	"github.com/duehub/duehub/ratelimit"
	"github.com/duehub/duehub/risk"
)

func serveCmd(ctx context.Context, args []string, stdout io.Writer) error {
	var cfg config
	fs := newFlags("serve", "serve [flags]", &cfg, true)
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	cfg = a.cfg
	h, err := a.newHub(ctx, time.Now, false)
	if err != nil {
		return err
	}
	if cfg.WebhooksAllowPrivate {
		a.log.Warn("DUEHUB_WEBHOOKS_ALLOW_PRIVATE is true: webhooks may reach loopback, private and metadata " +
			"addresses over plain http; use it for development and tests only")
	}
	// Serve says it plans on the real clock for as long as its jobs run, so
	// that `digests run --now` refuses to plan on another one beside it.
	stopHeartbeat := a.startHeartbeat(context.WithoutCancel(ctx))
	defer stopHeartbeat()
	if h.checkout, err = stripeCheckout(a.db.Gorm); err != nil { // issue 17
		return err
	}
	// SQLite gathers no planner statistics by itself.
	go a.db.KeepOptimized(ctx, time.Minute, a.log)
	// Issue 12: a vendor's ended months are rolled up again a second after
	// its pushes of paid invoices go quiet, not in the next report.
	analyticsStore := analytics.NewStore(a.db.Gorm, time.Now)
	warmer := analyticsStore.NewWarmer(time.Second, 30*time.Second, a.log)
	a.vendors.OnPaidChanged(warmer.Touch)
	go warmer.Run(ctx)
	// Jobs stop when serve stops them, gracefully, not when the signal arrives.
	stopJobs, err := a.startJobs(context.WithoutCancel(ctx), h)
	if err != nil {
		return err
	}
	defer stopJobs()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(metrics.New(a.db.Gorm, a.log)) // issue 15
	box := outboxPages(cfg, h.outbox, a.log)
	sgKey, err := cfg.Channels.sendGridKey()
	if err != nil {
		return err
	}
	replies := a.inboundRouter(h, reg)
	handler := handlers.New(handlers.Config{
		Inbound:            replies,
		InboundSecret:      cfg.Inbound.Secret,
		SendGridWebhookKey: sgKey,
		TwilioAuthToken:    cfg.Channels.TwilioToken,
		PublicURL:          cfg.BaseURL,
		Secret:             h.secret,
		Mailer:             h.senders[notify.Email],
		MailFrom:           cfg.Channels.EmailFrom,
		Outbox:             box,
		OperatorToken:      cfg.OperatorToken,
		Payers:             a.payers,
		Threads:            a.threads,
		Links:              h.links,
		Webhooks:           h.guard,
		Limiter:            ratelimit.New(a.db.Gorm, time.Now),
		Limits:             cfg.Limits,
		Load:               cfg.Load,
		TrustedProxies:     cfg.Proxies,
		Vendors:            a.vendors,
		Analytics:          analyticsStore,                         // issue 12
		Risk:               risk.NewStore(a.db.Gorm, time.Now),     // issue 16
		VendorSignup:       cfg.VendorSignup,                       // issue 15
		Imports:            imports.NewStore(a.db.Gorm, time.Now),  // issue 15
		Admins:             admins.NewStore(a.db.Gorm, time.Now),   // issue 15
		Console:            console.NewStore(a.db.Gorm, time.Now),  // issue 15
		Audit:              audit.NewStore(a.db.Gorm),              // issue 15
		Eraser:             privacy.NewEraser(a.db.Gorm, time.Now), // issue 15
		Branding:           branding.NewStore(a.db.Gorm, time.Now), // issue 15
		Checkout:           h.checkout,                             // issue 17
		Log:                a.log,
		Registry:           reg,
		Ready: func(ctx context.Context) error {
			if err := a.db.SQL.PingContext(ctx); err != nil {
				return fmt.Errorf("database unreachable: %w", err)
			}
			return migrations.Current(ctx, a.db.SQL, a.db.Dialect)
		},
	})
	// After handlers.New: the router tells payers of agents' answers through it.
	stopSMTP, err := a.startSMTP(replies)
	if err != nil {
		return err
	}
	defer stopSMTP()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return badConfig("DUEHUB_ADDR", "cannot listen on %s: %v", cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    64 << 10, // net/http's default is 1 MiB; no client of ours sends more than a few KiB
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	a.log.Info("duehub serving", slog.String("addr", ln.Addr().String()), slog.String("base_url", cfg.BaseURL),
		slog.String("database", string(a.db.Dialect)))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// outboxPages decides whether the dev outbox pages are served: on a hub
// without any real provider they are open (it is a development hub); with
// a real provider only behind DUEHUB_OPERATOR_TOKEN, since the outbox holds
// portal links. nil turns the pages off (404).
func outboxPages(cfg config, box *outbox.Store, log *slog.Logger) *outbox.Store {
	if cfg.Channels.smsChannel() == "off" {
		log.Warn("SMS is off: DUEHUB_SMS is not set and email goes through a real provider; SMS digests are skipped " +
			"(reason channel_off). Set DUEHUB_SMS=twilio to send them")
	}
	switch {
	case cfg.OperatorToken != "":
		return box
	case !cfg.Channels.realProvider():
		return box
	case cfg.Channels.usesOutbox():
		log.Warn("the dev outbox pages are off: a real provider is configured and DUEHUB_OPERATOR_TOKEN is not set")
	}
	return nil
}
