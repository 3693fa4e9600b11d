package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/duehub/duehub/branding"
	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/checkout"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/inbound"
	"github.com/duehub/duehub/links"
	"github.com/duehub/duehub/migrations"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/notify/outbox"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
	"github.com/duehub/duehub/webhooks"
)

// app is the wired hub: the one place that knows every package.
type app struct {
	cfg     config
	log     *slog.Logger
	db      *database.DB
	payers  *payers.Store
	threads *threads.Store
	vendors *vendors.Store
}

func newLogger(level string) *slog.Logger {
	var lv slog.Level
	lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	if fi, err := os.Stderr.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		return slog.New(slog.NewTextHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, opts))
}

// openApp validates cfg, opens the database and brings the schema up to date
// (or, with migrations off, refuses a schema that is behind).
func openApp(ctx context.Context, cfg config) (*app, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	log := newLogger(cfg.LogLevel)
	db, err := database.Open(ctx, cfg.DatabaseURL, log)
	if err != nil {
		return nil, err
	}
	if cfg.Migrate {
		n, err := migrations.Up(ctx, db.SQL, db.Dialect, nil)
		if err != nil {
			db.Close()
			return nil, err
		}
		if n > 0 {
			log.Info("applied migrations", slog.Int("count", n), slog.String("dialect", string(db.Dialect)))
		}
	} else if err := migrations.Current(ctx, db.SQL, db.Dialect); err != nil {
		db.Close()
		return nil, err
	}
	if err := migrateRiver(ctx, db, !cfg.Migrate); err != nil {
		db.Close()
		return nil, err
	}
	now := time.Now
	p := payers.NewStore(db.Gorm, now)
	return &app{
		cfg:     cfg,
		log:     log,
		db:      db,
		payers:  p,
		threads: threads.NewStore(db.Gorm, p, now),
		vendors: vendors.NewStore(db.Gorm, p, now),
	}, nil
}

func (a *app) Close() { a.db.Close() }

// secret returns the configured signing secret, or the one kept in the
// database (generated on first use, with a warning).
func (a *app) secret(ctx context.Context) (string, error) {
	if a.cfg.Secret != "" {
		return a.cfg.Secret, nil
	}
	secret, created, err := a.db.Secret(ctx)
	if err != nil {
		return "", err
	}
	if created {
		a.log.Warn("DUEHUB_SECRET is not set: generated one and stored it in the database; set DUEHUB_SECRET in production")
	}
	return secret, nil
}

// hub is the wired digest machinery: outbox, senders, link signer, runner.
type hub struct {
	secret  string
	outbox  *outbox.Store
	senders map[notify.Channel]notify.Sender
	links   *links.Signer
	runner  *bundler.Runner
	// guard checks webhook URLs; webhooks delivers them.
	guard    *webhooks.Guard
	webhooks *webhooks.Dispatcher
	// replies issues Reply-To addresses (disabled with no inbound domain).
	replies *inbound.Store
	// checkout is the Stripe checkout, nil when not configured (issue 17).
	checkout *checkout.Store
}

// newHub wires the bundler with the configured channels. clock is the
// bundler's clock (time.Now, or a fixed --now: otherClock); links are always
// signed with the real time.
func (a *app) newHub(ctx context.Context, clock func() time.Time, otherClock bool) (*hub, error) {
	secret, err := a.secret(ctx)
	if err != nil {
		return nil, err
	}
	if err := a.vendors.UseSecretKey(secret); err != nil {
		return nil, err
	}
	// Signing secrets stored before they were encrypted are sealed now.
	if n, err := a.vendors.SealPlaintextSecrets(ctx); err != nil {
		return nil, err
	} else if n > 0 {
		a.log.Info("encrypted webhook signing secrets stored in plain text", slog.Int("count", n))
	}
	box := outbox.New(a.db.Gorm, time.Now)
	senders, err := a.cfg.Channels.senders(box)
	if err != nil {
		return nil, err
	}
	signer := links.NewSigner(secret, a.cfg.BaseURL, time.Now)
	var off []notify.Channel
	if a.cfg.Channels.smsChannel() == "off" {
		off = append(off, notify.SMS)
	}
	replies := inbound.NewStore(a.db.Gorm, secret, a.cfg.Inbound.Domain, time.Now)
	var replyTo func(ctx context.Context, payerID, digestID int64) (string, error)
	if replies.Enabled() {
		replyTo = replies.DigestAddress
	}
	runner := bundler.NewRunner(bundler.Config{
		DB: a.db.Gorm, Payers: a.payers, Vendors: a.vendors, Senders: senders, Off: off, Links: signer,
		BaseURL: a.cfg.BaseURL, From: a.cfg.Channels.EmailFrom, FromName: a.cfg.Channels.FromName,
		Now: clock, OtherClock: otherClock, Log: a.log, ReplyTo: replyTo,
		Brands: branding.NewStore(a.db.Gorm, time.Now), // issue 15: logos and accents in digests
	})
	guard := webhooks.NewGuard(webhooks.GuardConfig{AllowPrivate: a.cfg.WebhooksAllowPrivate})
	dispatcher := webhooks.New(webhooks.Config{
		Vendors: a.vendors, Guard: guard, Mailer: senders[notify.Email], MailFrom: a.cfg.Channels.EmailFrom,
		Now: time.Now, Log: a.log,
	})
	return &hub{secret: secret, outbox: box, senders: senders, links: signer, runner: runner,
		guard: guard, webhooks: dispatcher, replies: replies}, nil
}
