package bench

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/duehub/duehub/analytics"
	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/handlers"
	"github.com/duehub/duehub/jobs"
	"github.com/duehub/duehub/links"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/ratelimit"
	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
)

// Hub is the product as cmd/duehub opens it: a migrated PostgreSQL or SQLite
// database (River's tables included) and the stores over it. The bench wires the rest
// (HTTP handler, bundler runners, River) from the same constructors that
// `duehub serve` uses, with its own senders and clocks.
type Hub struct {
	DB      *database.DB
	Vendors *vendors.Store
	Payers  *payers.Store
	Log     *slog.Logger
}

const (
	mailFrom = "reminders@hub.bench.example"
	fromName = "duehub bench"
)

// server is the hub's HTTP handler served in-process on loopback.
type server struct {
	baseURL string
	links   *links.Signer
	secret  string
	srv     *http.Server
}

// startServer serves the hub's handler, as `duehub serve` builds it, on a
// free loopback port. Links are signed for that address with real time.
func (h Hub) startServer() (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bench: listen: %w", err)
	}
	buf := make([]byte, 32)
	rand.Read(buf)
	s := &server{baseURL: "http://" + ln.Addr().String(), secret: base64.RawURLEncoding.EncodeToString(buf)}
	s.links = links.NewSigner(s.secret, s.baseURL, time.Now)
	// The per-key API limit is on, as in serve, so every /v1 request pays for
	// its database counter; set high so that the load itself is never refused.
	apiRule, err := ratelimit.ParseRule("100000/s")
	if err != nil {
		return nil, err
	}
	handler := handlers.New(handlers.Config{
		Limiter:   ratelimit.New(h.DB.Gorm, time.Now),
		Limits:    handlers.Limits{API: apiRule},
		Vendors:   h.Vendors,
		Payers:    h.Payers,
		Threads:   threads.NewStore(h.DB.Gorm, h.Payers, time.Now),
		Analytics: analytics.NewStore(h.DB.Gorm, time.Now),
		Links:     s.links,
		Log:       h.Log,
		Registry:  prometheus.NewRegistry(),
		PublicURL: s.baseURL,
		Secret:    s.secret,
		Mailer:    &discard{},
		MailFrom:  mailFrom,
		Ready:     func(ctx context.Context) error { return h.DB.SQL.PingContext(ctx) },
	})
	s.srv = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			h.Log.Error("bench server", "err", err)
		}
	}()
	return s, nil
}

func (s *server) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.srv.Shutdown(ctx)
}

// runner is the bundler as `duehub digests run` wires it, with the given
// senders and clock.
func (h Hub) runner(s *server, senders map[notify.Channel]notify.Sender, clock func() time.Time) *bundler.Runner {
	return bundler.NewRunner(bundler.Config{
		DB: h.DB.Gorm, Payers: h.Payers, Vendors: h.Vendors, Senders: senders, Links: s.links,
		BaseURL: s.baseURL, From: mailFrom, FromName: fromName, Now: clock, Log: h.Log,
	})
}

// startJobs starts River on the hub's database with the product's workers,
// as `duehub serve` does. The returned func stops it.
func (h Hub) startJobs(ctx context.Context, r *bundler.Runner) (func(), error) {
	cfg := jobs.Config{Runner: r, Log: h.Log, PlanEvery: time.Hour}
	if !h.DB.Postgres() {
		// On SQLite River shares the hub's one connection, as in serve.
		client, err := jobs.Start(ctx, riversqlite.New(h.DB.SQL), cfg)
		if err != nil {
			return nil, err
		}
		return func() {
			stopCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := client.Stop(stopCtx); err != nil {
				h.Log.Warn("bench: stopping river", "err", err)
			}
		}, nil
	}
	pool, err := pgxpool.New(ctx, h.DB.URL)
	if err != nil {
		return nil, fmt.Errorf("bench: river pool: %w", err)
	}
	// One planning pass at start (the product's RunOnStart), none after.
	client, err := jobs.Start(ctx, riverpgxv5.New(pool), cfg)
	if err != nil {
		pool.Close()
		return nil, err
	}
	return func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := client.Stop(stopCtx); err != nil {
			h.Log.Warn("bench: stopping river", "err", err)
		}
		pool.Close()
	}, nil
}
