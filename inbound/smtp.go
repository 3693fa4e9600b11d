package inbound

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// The built-in SMTP listener, for hubs without SendGrid: the inbound
// domain's MX points at it. It accepts mail for reply addresses of the
// inbound domain only (it is no relay), up to MaxEmail, and hands each
// message to the same Router as Inbound Parse.

// maxRecipients bounds the recipients of one message.
const maxRecipients = 10

// SMTPListener receives replies over SMTP.
type SMTPListener struct {
	srv    *smtp.Server
	router *Router
	log    *slog.Logger
}

// NewSMTPListener returns a listener for addr (DUEHUB_INBOUND_SMTP_ADDR).
func NewSMTPListener(addr string, router *Router, log *slog.Logger) *SMTPListener {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	l := &SMTPListener{router: router, log: log}
	s := smtp.NewServer(l)
	s.Addr = addr
	s.Domain = router.cfg.Store.domain
	s.MaxMessageBytes = MaxEmail
	s.MaxRecipients = maxRecipients
	s.ReadTimeout = time.Minute
	s.WriteTimeout = time.Minute
	s.ErrorLog = slogPrinter{log}
	l.srv = s
	return l
}

// Serve accepts connections on ln until Shutdown.
func (l *SMTPListener) Serve(ln net.Listener) error {
	err := l.srv.Serve(ln)
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// ListenAndServe listens on the configured address.
func (l *SMTPListener) ListenAndServe() error {
	err := l.srv.ListenAndServe()
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting and waits for open sessions.
func (l *SMTPListener) Shutdown(ctx context.Context) error { return l.srv.Shutdown(ctx) }

// NewSession implements smtp.Backend.
func (l *SMTPListener) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &smtpSession{l: l}, nil
}

type smtpSession struct {
	l     *SMTPListener
	from  string
	rcpts []string
}

var (
	errNotOurs = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Relay not permitted: only reply addresses of this domain"}
	errLater   = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure, try again later"}
)

func (s *smtpSession) Reset()        { s.from, s.rcpts = "", nil }
func (s *smtpSession) Logout() error { return nil }

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = strings.ToLower(from)
	return nil
}

// Rcpt accepts reply addresses of the inbound domain, nothing else.
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if TokenOf(s.l.router.cfg.Store.domain, []string{to}) == "" {
		s.l.router.count("smtp", StatusRejected, "relay")
		return errNotOurs
	}
	s.rcpts = append(s.rcpts, strings.ToLower(to))
	return nil
}

// Data parses and routes the message. Only a failure to store it is
// temporary (451, the sender retries); every decision is accepted, so that
// no bounce tells a forger what we do with its mail.
func (s *smtpSession) Data(r io.Reader) error {
	e, err := ParseEmail(r)
	if errors.Is(err, ErrTooLarge) || errors.Is(err, smtp.ErrDataTooLarge) {
		s.l.router.count("smtp", StatusRejected, "too_large")
		return smtp.ErrDataTooLarge
	}
	if err != nil {
		s.l.router.count("smtp", StatusRejected, "unparsable")
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Message cannot be parsed"}
	}
	e.Recipients = s.rcpts
	if e.Header["Return-Path"] == "" && s.from == "" {
		e.Header["Return-Path"] = "<>"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.l.router.Route(ctx, "smtp", e); err != nil {
		s.l.log.ErrorContext(ctx, "inbound smtp: route", slog.Any("err", err))
		return errLater
	}
	return nil
}

// slogPrinter lets go-smtp log through slog.
type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Printf(format string, v ...any) {
	p.log.Warn("inbound smtp", slog.Any("msg", []any{format, v}))
}
func (p slogPrinter) Println(v ...any) { p.log.Warn("inbound smtp", slog.Any("msg", v)) }
