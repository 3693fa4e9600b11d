package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/duehub/duehub/inbound"
	"github.com/duehub/duehub/notify"
)

// inboundConfig is how replies reach the hub (issue 14): the domain of the
// reply addresses, the Inbound Parse route's secret, the SMTP listener.
type inboundConfig struct {
	Domain   string
	Secret   string
	SMTPAddr string
}

func (c *inboundConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.Domain, "inbound-domain", envOr("DUEHUB_INBOUND_DOMAIN", ""),
		"domain of the reply+<token>@ addresses set as Reply-To; empty: no Reply-To (DUEHUB_INBOUND_DOMAIN)")
	c.Secret = envOr("DUEHUB_INBOUND_SECRET", "") // environment only: it is a password in a URL
	fs.StringVar(&c.SMTPAddr, "inbound-smtp-addr", envOr("DUEHUB_INBOUND_SMTP_ADDR", ""),
		"listen address of the built-in SMTP server receiving replies, like 127.0.0.1:2525 (DUEHUB_INBOUND_SMTP_ADDR)")
}

func (c *inboundConfig) validate() error {
	c.Domain = strings.ToLower(strings.TrimSpace(c.Domain))
	if c.Domain != "" && (strings.ContainsAny(c.Domain, "@/ :") || !strings.Contains(c.Domain, ".")) {
		return badConfig("DUEHUB_INBOUND_DOMAIN", "%q is not a domain name, like in.hub.example", c.Domain)
	}
	if c.Domain == "" && (c.Secret != "" || c.SMTPAddr != "") {
		return badConfig("DUEHUB_INBOUND_DOMAIN", "must be set to receive replies (DUEHUB_INBOUND_SECRET or DUEHUB_INBOUND_SMTP_ADDR is set)")
	}
	if c.Secret != "" && len(c.Secret) < 24 {
		return badConfig("DUEHUB_INBOUND_SECRET", "must be at least 24 characters: it is all that guards the Inbound Parse route")
	}
	if c.SMTPAddr != "" {
		if _, port, err := net.SplitHostPort(c.SMTPAddr); err != nil || port == "" {
			return badConfig("DUEHUB_INBOUND_SMTP_ADDR", "%q is not host:port, like 127.0.0.1:2525", c.SMTPAddr)
		}
	}
	return nil
}

// inboundRouter returns the router of replies, nil when no inbound domain
// is configured.
func (a *app) inboundRouter(h *hub, reg *prometheus.Registry) *inbound.Router {
	if !h.replies.Enabled() {
		return nil
	}
	return inbound.NewRouter(inbound.RouterConfig{Store: h.replies, Payers: a.payers, Threads: a.threads, Vendors: a.vendors,
		Mailer: h.senders[notify.Email], Links: h.links, From: a.cfg.Channels.EmailFrom, Log: a.log, Registry: reg})
}

// startSMTP starts the built-in SMTP listener when configured; the returned
// func stops it gracefully.
func (a *app) startSMTP(router *inbound.Router) (func(), error) {
	addr := a.cfg.Inbound.SMTPAddr
	if router == nil || addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, badConfig("DUEHUB_INBOUND_SMTP_ADDR", "cannot listen on %s: %v", addr, err)
	}
	l := inbound.NewSMTPListener(addr, router, a.log)
	go func() {
		if err := l.Serve(ln); err != nil && !errors.Is(err, net.ErrClosed) {
			a.log.Error("inbound smtp", slog.Any("err", err))
		}
	}()
	a.log.Info("receiving replies by SMTP", slog.String("addr", ln.Addr().String()), slog.String("domain", a.cfg.Inbound.Domain))
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = l.Shutdown(ctx)
	}, nil
}
