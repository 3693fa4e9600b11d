package checkout

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/stripe/stripe-go/v82"
	"gorm.io/gorm"
)

// Config is what the checkout needs, wired by main.
type Config struct {
	DB *gorm.DB
	// SecretKey is the platform's Stripe secret key; WebhookSecret the
	// signing secret of its webhook endpoint. Both are required.
	SecretKey     string
	WebhookSecret string
	// APIBase overrides Stripe's API base URL (stripe-mock in tests).
	APIBase string
	// FeeBPS is the platform fee in basis points of the invoices' total,
	// added on top (0: no fee).
	FeeBPS int64
	// HTTPClient reaches Stripe; nil means a client with a 30 s timeout.
	HTTPClient *http.Client
	Now        func() time.Time
}

// Store holds checkouts, connected accounts and Stripe's events.
type Store struct {
	db            *gorm.DB
	sc            *stripe.Client
	webhookSecret string
	feeBPS        int64
	now           func() time.Time

	mu      sync.Mutex
	enqueue func(ctx context.Context, eventRowID int64) error
}

// ErrBadSignature means a webhook's Stripe-Signature did not verify.
var ErrBadSignature = errors.New("checkout: bad Stripe signature")

// New returns the store; it refuses an incomplete configuration.
func New(cfg Config) (*Store, error) {
	if strings.TrimSpace(cfg.SecretKey) == "" || strings.TrimSpace(cfg.WebhookSecret) == "" {
		return nil, errors.New("checkout: DUEHUB_STRIPE_SECRET_KEY and DUEHUB_STRIPE_WEBHOOK_SECRET are both required")
	}
	if cfg.FeeBPS < 0 || cfg.FeeBPS > 2000 {
		return nil, errors.New("checkout: DUEHUB_STRIPE_FEE_BPS must be between 0 and 2000")
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	bc := &stripe.BackendConfig{HTTPClient: hc, LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull},
		MaxNetworkRetries: stripe.Int64(2)}
	if cfg.APIBase != "" {
		bc.URL = stripe.String(strings.TrimRight(cfg.APIBase, "/"))
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Store{db: cfg.DB, sc: stripe.NewClient(cfg.SecretKey, stripe.WithBackends(stripe.NewBackendsWithConfig(bc))),
		webhookSecret: cfg.WebhookSecret, feeBPS: cfg.FeeBPS, now: now}, nil
}

// OnEvent sets what is called after a new Stripe event is stored: the job
// runner enqueues its processing. Without it, the periodic pass finds it.
func (s *Store) OnEvent(fn func(ctx context.Context, eventRowID int64) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.enqueue = fn
}

// FeeBPS is the platform fee in basis points.
func (s *Store) FeeBPS() int64 { return s.feeBPS }

// Fee is the platform fee on amount: FeeBPS of it, rounded up to the minor
// unit.
func (s *Store) Fee(amount int64) int64 {
	if s.feeBPS == 0 || amount <= 0 {
		return 0
	}
	return (amount*s.feeBPS + 9999) / 10000
}

func (s *Store) stamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }
