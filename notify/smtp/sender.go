package smtp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/smtp"
	"strconv"
	"strings"
	"time"

	"github.com/duehub/duehub/notify"
)

// Config configures a Sender.
type Config struct {
	Host     string
	Port     int // default 587; 465 means implicit TLS
	Username string
	Password string
	From     string // default sender address; Message.From overrides it
	FromName string
	// StartTLS requires STARTTLS. Without it STARTTLS is still used whenever
	// the server offers it, so only a server that offers nothing gets
	// plain text.
	StartTLS bool
	Timeout  time.Duration // whole conversation, default notify.ProviderTimeout
}

// Sender delivers email over SMTP, one connection per message. It is safe
// for concurrent use.
type Sender struct {
	cfg Config
	now func() time.Time
}

// New validates cfg and returns a Sender.
func New(cfg Config) (*Sender, error) {
	cfg.Host = strings.TrimSpace(cfg.Host)
	if cfg.Host == "" {
		return nil, errors.New("smtp: missing host (set DUEHUB_SMTP_HOST)")
	}
	if cfg.Port == 0 {
		cfg.Port = 587
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return nil, fmt.Errorf("smtp: port %d out of range", cfg.Port)
	}
	if cfg.From != "" {
		if _, err := netmail.ParseAddress(cfg.From); err != nil {
			return nil, fmt.Errorf("smtp: from address %q: %w", cfg.From, err)
		}
	}
	if cfg.Password != "" && cfg.Username == "" {
		return nil, errors.New("smtp: password set without a username (DUEHUB_SMTP_USERNAME)")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = notify.ProviderTimeout
	}
	return &Sender{cfg: cfg, now: time.Now}, nil
}

// Send delivers m in one SMTP transaction. ProviderID is the Message-ID.
func (s *Sender) Send(ctx context.Context, m notify.Message) (notify.Result, error) {
	env, err := s.envelope(m)
	if err != nil {
		return notify.Result{}, err
	}
	raw, err := buildMessage(m, env, s.now())
	if err != nil {
		return notify.Result{}, err
	}

	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	conn, err := s.dial(ctx)
	if err != nil {
		return notify.Result{}, notify.NetworkError(fmt.Errorf("smtp: dial: %w", err))
	}
	defer conn.Close()
	// net/smtp has no context support; deadlines on the connection bound every
	// read and write, and cancelling ctx expires them at once.
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	fail := func(stage, addr string, err error) (notify.Result, error) {
		return notify.Result{}, classify(ctx, stage, addr, err)
	}
	c, err := smtp.NewClient(conn, s.cfg.Host)
	if err != nil {
		return fail("greeting", "", err)
	}
	defer c.Close()
	if err := s.secure(c); err != nil {
		return fail("starttls", "", err)
	}
	if s.cfg.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return fail("auth", "", errors.New("server does not offer AUTH"))
		}
		if err := c.Auth(smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.cfg.Host)); err != nil {
			return fail("auth", "", err)
		}
	}
	if err := c.Mail(env.from.Address); err != nil {
		return fail("mail", "", err)
	}
	for _, rcpt := range env.rcpts {
		if err := c.Rcpt(rcpt); err != nil {
			return fail("rcpt", rcpt, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fail("data", "", err)
	}
	if _, err := w.Write(raw); err != nil {
		return fail("data", "", err)
	}
	// The server's verdict on the message arrives when DATA is closed.
	if err := w.Close(); err != nil {
		return fail("data", "", err)
	}
	// The message is accepted; a failed QUIT changes nothing.
	_ = c.Quit()
	return notify.Result{ProviderID: env.messageID}, nil
}

func (s *Sender) dial(ctx context.Context) (net.Conn, error) {
	addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port))
	if s.cfg.Port == 465 {
		d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: s.cfg.Timeout}, Config: s.tlsConfig()}
		return d.DialContext(ctx, "tcp", addr)
	}
	d := &net.Dialer{Timeout: s.cfg.Timeout}
	return d.DialContext(ctx, "tcp", addr)
}

// secure upgrades the connection when the server offers STARTTLS, and
// refuses to go on in plain text when the operator required TLS.
func (s *Sender) secure(c *smtp.Client) error {
	if s.cfg.Port == 465 {
		return nil
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		return c.StartTLS(s.tlsConfig())
	}
	if s.cfg.StartTLS {
		return errStartTLSUnavailable
	}
	return nil
}

func (s *Sender) tlsConfig() *tls.Config {
	return &tls.Config{ServerName: s.cfg.Host, MinVersion: tls.VersionTLS12}
}
