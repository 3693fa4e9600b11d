package twilio

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/duehub/duehub/notify"
	twiliosdk "github.com/twilio/twilio-go"
	"github.com/twilio/twilio-go/client"
	api "github.com/twilio/twilio-go/rest/api/v2010"
)

// Config configures a Sender.
type Config struct {
	AccountSID string
	AuthToken  string
	// From is an E.164 number or a Messaging Service SID (MG…); a message's
	// own From overrides it.
	From string
	// BaseURL replaces https://api.twilio.com (scheme and host only). The SDK
	// hard-wires Twilio's host, so tests reach their fake through this.
	BaseURL string
	Timeout time.Duration // per request, default notify.ProviderTimeout
}

// Sender sends SMS through Twilio. It is safe for concurrent use.
type Sender struct {
	cfg       Config
	target    *url.URL // nil: real Twilio
	transport http.RoundTripper
	now       func() time.Time
}

// The SDK rejects non-alphanumeric credentials before sending; say so at
// start-up instead of on every message.
var alphanumeric = regexp.MustCompile(`^[A-Za-z0-9]+$`)

// New validates cfg and returns a Sender.
func New(cfg Config) (*Sender, error) {
	cfg.AccountSID = strings.TrimSpace(cfg.AccountSID)
	cfg.AuthToken = strings.TrimSpace(cfg.AuthToken)
	cfg.From = strings.TrimSpace(cfg.From)
	switch {
	case cfg.AccountSID == "":
		return nil, errors.New("twilio: missing account SID (set DUEHUB_TWILIO_ACCOUNT_SID)")
	case !strings.HasPrefix(cfg.AccountSID, "AC") || !alphanumeric.MatchString(cfg.AccountSID):
		return nil, errors.New("twilio: account SID must be AC followed by letters and digits (DUEHUB_TWILIO_ACCOUNT_SID)")
	case cfg.AuthToken == "":
		return nil, errors.New("twilio: missing auth token (set DUEHUB_TWILIO_AUTH_TOKEN)")
	case !alphanumeric.MatchString(cfg.AuthToken):
		return nil, errors.New("twilio: auth token must be letters and digits only (DUEHUB_TWILIO_AUTH_TOKEN)")
	case cfg.From == "":
		return nil, errors.New("twilio: missing sender number or messaging service SID (set DUEHUB_TWILIO_FROM)")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = notify.ProviderTimeout
	}
	s := &Sender{cfg: cfg, transport: http.DefaultTransport, now: time.Now}
	if cfg.BaseURL != "" {
		u, err := url.Parse(cfg.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("twilio: base URL %q is not an http(s) URL", cfg.BaseURL)
		}
		s.target = u
	}
	return s, nil
}

// Send creates one Twilio message to m.To[0] with m.Text as its body.
func (s *Sender) Send(ctx context.Context, m notify.Message) (notify.Result, error) {
	if len(m.To) != 1 || strings.TrimSpace(m.To[0]) == "" {
		return notify.Result{}, invalid(fmt.Sprintf("an SMS needs exactly one recipient, got %d", len(m.To)))
	}
	if m.Text == "" {
		return notify.Result{}, invalid("SMS body is empty")
	}
	to := strings.TrimSpace(m.To[0])
	from := s.cfg.From
	if m.From != "" {
		from = m.From
	}

	// CreateMessage takes no context and builds its request on
	// context.Background(), so the per-send transport puts ctx (bounded by
	// the timeout) back on the request. Building the client per send also
	// keeps the recorded response private to this send.
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	rt := &sendTransport{ctx: ctx, base: s.transport, target: s.target}
	c := &client.Client{
		Credentials: client.NewCredentials(s.cfg.AccountSID, s.cfg.AuthToken),
		HTTPClient: &http.Client{
			Timeout:   s.cfg.Timeout,
			Transport: rt,
			// As the SDK's own default: a redirect would resend credentials.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	c.SetAccountSid(s.cfg.AccountSID)
	rc := twiliosdk.NewRestClientWithParams(twiliosdk.ClientParams{Client: c})

	params := &api.CreateMessageParams{}
	params.SetTo(to)
	params.SetBody(m.Text)
	if isMessagingServiceSID(from) {
		params.SetMessagingServiceSid(from)
	} else {
		params.SetFrom(from)
	}
	if m.StatusCallback != "" {
		params.SetStatusCallback(m.StatusCallback)
	}

	msg, err := rc.Api.CreateMessage(params)
	if err == nil && (msg.Sid == nil || *msg.Sid == "") {
		err = errors.New("response has no message SID")
	}
	if err != nil {
		return notify.Result{}, s.classify(err, rt.status, rt.header, to)
	}
	return notify.Result{ProviderID: *msg.Sid}, nil
}

func isMessagingServiceSID(from string) bool {
	return strings.HasPrefix(from, "MG") && alphanumeric.MatchString(from)
}

func invalid(msg string) error {
	return &notify.Error{Permanent: true, Code: "invalid_message", Err: errors.New("twilio: " + msg)}
}
