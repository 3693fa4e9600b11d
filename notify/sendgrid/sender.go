package sendgrid

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/duehub/duehub/notify"
	"github.com/sendgrid/rest"
	sg "github.com/sendgrid/sendgrid-go"
)

// Config configures a Sender. Only APIKey is required.
type Config struct {
	APIKey   string
	Host     string // default https://api.sendgrid.com; tests point it at a fake
	From     string // default sender address; Message.From overrides it
	FromName string
	Timeout  time.Duration // per request, default notify.ProviderTimeout
}

// Sender sends email through SendGrid. It is safe for concurrent use: unlike
// sendgrid.Client, which rewrites its own body on every send, it builds a
// fresh request per message.
type Sender struct {
	cfg    Config
	client *rest.Client
	now    func() time.Time
}

// New validates cfg and returns a Sender.
func New(cfg Config) (*Sender, error) {
	cfg.APIKey = strings.TrimSpace(cfg.APIKey)
	if cfg.APIKey == "" {
		return nil, errors.New("sendgrid: missing API key (set DUEHUB_SENDGRID_API_KEY)")
	}
	if cfg.Host == "" {
		cfg.Host = "https://api.sendgrid.com"
	}
	cfg.Host = strings.TrimRight(cfg.Host, "/")
	if u, err := url.Parse(cfg.Host); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("sendgrid: host %q is not an http(s) URL", cfg.Host)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = notify.ProviderTimeout
	}
	return &Sender{
		cfg: cfg,
		// The SDK's default client has no timeout: a stalled connection
		// would hold a delivery worker forever.
		client: &rest.Client{HTTPClient: &http.Client{Timeout: cfg.Timeout}},
		now:    time.Now,
	}, nil
}

// Send posts m to /v3/mail/send. On success ProviderID is SendGrid's
// X-Message-Id, the prefix of sg_message_id in later events.
func (s *Sender) Send(ctx context.Context, m notify.Message) (notify.Result, error) {
	v3, err := s.buildMail(m)
	if err != nil {
		return notify.Result{}, err
	}
	// mail.GetRequestBody logs and swallows marshal errors; marshal here so a
	// failure is an error rather than an empty request.
	body, err := json.Marshal(v3)
	if err != nil {
		return notify.Result{}, &notify.Error{Permanent: true, Code: "invalid_message", Err: fmt.Errorf("sendgrid: encode mail: %w", err)}
	}
	req := sg.GetRequest(s.cfg.APIKey, "/v3/mail/send", s.cfg.Host)
	req.Method = rest.Post
	req.Body = body

	resp, err := s.client.SendWithContext(ctx, req)
	if err != nil {
		return notify.Result{}, notify.NetworkError(fmt.Errorf("sendgrid: send: %w", err))
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return notify.Result{ProviderID: http.Header(resp.Headers).Get("X-Message-Id")}, nil
	}
	return notify.Result{}, s.classify(resp, func(list string, i int) string { return recipientAt(v3, list, i) })
}
