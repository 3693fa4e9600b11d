package main

import (
	"crypto/ecdsa"
	"flag"
	"net/url"
	"strconv"
	"strings"

	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/notify/outbox"
	"github.com/duehub/duehub/notify/sendgrid"
	"github.com/duehub/duehub/notify/smtp"
	"github.com/duehub/duehub/notify/twilio"
)

// channelConfig chooses and configures the delivery channels.
type channelConfig struct {
	Email     string // outbox | sendgrid | smtp
	SMS       string // outbox | twilio | off; empty: see smsChannel
	EmailFrom string
	FromName  string

	SendGridKey       string
	SendGridHost      string
	SendGridPublicKey string

	SMTPHost     string
	SMTPPort     string
	SMTPUsername string
	SMTPPassword string
	SMTPStartTLS bool

	TwilioSID     string
	TwilioToken   string
	TwilioFrom    string
	TwilioBaseURL string
}

func (c *channelConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.Email, "email", envOr("DUEHUB_EMAIL", "outbox"), "email channel: outbox, sendgrid or smtp (DUEHUB_EMAIL)")
	fs.StringVar(&c.SMS, "sms", envOr("DUEHUB_SMS", ""),
		"SMS channel: outbox, twilio or off (DUEHUB_SMS; default outbox when email is the outbox, else off)")
	fs.StringVar(&c.EmailFrom, "email-from", envOr("DUEHUB_EMAIL_FROM", "reminders@duehub.localhost"), "sender address of digests (DUEHUB_EMAIL_FROM)")
	fs.StringVar(&c.FromName, "email-from-name", envOr("DUEHUB_EMAIL_FROM_NAME", "duehub reminders"), "sender name (DUEHUB_EMAIL_FROM_NAME)")
	c.SendGridKey = envOr("DUEHUB_SENDGRID_API_KEY", "")
	c.SendGridHost = envOr("DUEHUB_SENDGRID_HOST", "https://api.sendgrid.com")
	c.SendGridPublicKey = envOr("DUEHUB_SENDGRID_WEBHOOK_PUBLIC_KEY", "")
	c.SMTPHost = envOr("DUEHUB_SMTP_HOST", "")
	c.SMTPPort = envOr("DUEHUB_SMTP_PORT", "587")
	c.SMTPUsername = envOr("DUEHUB_SMTP_USERNAME", "")
	c.SMTPPassword = envOr("DUEHUB_SMTP_PASSWORD", "")
	c.SMTPStartTLS, _ = strconv.ParseBool(envOr("DUEHUB_SMTP_STARTTLS", "false"))
	c.TwilioSID = envOr("DUEHUB_TWILIO_ACCOUNT_SID", "")
	c.TwilioToken = envOr("DUEHUB_TWILIO_AUTH_TOKEN", "")
	c.TwilioFrom = envOr("DUEHUB_TWILIO_FROM", "")
	c.TwilioBaseURL = envOr("DUEHUB_TWILIO_BASE_URL", "")
}

// smsChannel is the SMS channel in effect. Unset, it follows email: the
// outbox on a development hub, off on a hub that sends real email, so that
// such a hub never "sends" SMS (and their portal links) into the outbox.
func (c *channelConfig) smsChannel() string {
	if c.SMS != "" {
		return c.SMS
	}
	if c.Email == "outbox" {
		return "outbox"
	}
	return "off"
}

// realProvider is whether any channel reaches real people.
func (c *channelConfig) realProvider() bool {
	return c.Email != "outbox" || c.smsChannel() == "twilio"
}

// usesOutbox is whether any channel writes into the dev outbox.
func (c *channelConfig) usesOutbox() bool {
	return c.Email == "outbox" || c.smsChannel() == "outbox"
}

// senders builds the configured senders; a provider chosen without its
// credentials is a configuration error naming the missing variable.
func (c *channelConfig) senders(box *outbox.Store) (map[notify.Channel]notify.Sender, error) {
	out := map[notify.Channel]notify.Sender{}
	switch c.Email {
	case "outbox":
		out[notify.Email] = box
	case "sendgrid":
		if c.SendGridKey == "" {
			return nil, badConfig("DUEHUB_SENDGRID_API_KEY", "is required with DUEHUB_EMAIL=sendgrid")
		}
		s, err := sendgrid.New(sendgrid.Config{APIKey: c.SendGridKey, Host: c.SendGridHost, From: c.EmailFrom, FromName: c.FromName})
		if err != nil {
			return nil, configError{err.Error()}
		}
		out[notify.Email] = s
	case "smtp":
		if c.SMTPHost == "" {
			return nil, badConfig("DUEHUB_SMTP_HOST", "is required with DUEHUB_EMAIL=smtp")
		}
		port, err := strconv.Atoi(c.SMTPPort)
		if err != nil {
			return nil, badConfig("DUEHUB_SMTP_PORT", "%q is not a port number", c.SMTPPort)
		}
		s, err := smtp.New(smtp.Config{Host: c.SMTPHost, Port: port, Username: c.SMTPUsername, Password: c.SMTPPassword,
			From: c.EmailFrom, FromName: c.FromName, StartTLS: c.SMTPStartTLS})
		if err != nil {
			return nil, configError{err.Error()}
		}
		out[notify.Email] = s
	default:
		return nil, badConfig("DUEHUB_EMAIL", "%q is not outbox, sendgrid or smtp", c.Email)
	}
	switch c.smsChannel() {
	case "off":
		// No SMS sender: the bundler skips SMS digests (reason sms_off).
	case "outbox":
		out[notify.SMS] = box
	case "twilio":
		for name, v := range map[string]string{"DUEHUB_TWILIO_ACCOUNT_SID": c.TwilioSID, "DUEHUB_TWILIO_AUTH_TOKEN": c.TwilioToken, "DUEHUB_TWILIO_FROM": c.TwilioFrom} {
			if v == "" {
				return nil, badConfig(name, "is required with DUEHUB_SMS=twilio")
			}
		}
		if c.TwilioBaseURL != "" {
			if u, err := url.Parse(c.TwilioBaseURL); err != nil || u.Host == "" {
				return nil, badConfig("DUEHUB_TWILIO_BASE_URL", "is not a URL")
			}
		}
		s, err := twilio.New(twilio.Config{AccountSID: c.TwilioSID, AuthToken: c.TwilioToken, From: c.TwilioFrom, BaseURL: c.TwilioBaseURL})
		if err != nil {
			return nil, configError{err.Error()}
		}
		out[notify.SMS] = s
	default:
		return nil, badConfig("DUEHUB_SMS", "%q is not outbox, twilio or off", c.SMS)
	}
	for ch, s := range out {
		// A hanging send must release its worker and its ledger row.
		out[ch] = notify.WithDeadline(s, notify.SendDeadline)
	}
	return out, nil
}

// sendGridKey parses the Event Webhook verification key, if configured; a
// bad key stops start-up rather than panicking later.
func (c *channelConfig) sendGridKey() (*ecdsa.PublicKey, error) {
	if strings.TrimSpace(c.SendGridPublicKey) == "" {
		return nil, nil
	}
	k, err := sendgrid.ParsePublicKey(c.SendGridPublicKey)
	if err != nil {
		return nil, badConfig("DUEHUB_SENDGRID_WEBHOOK_PUBLIC_KEY", "is not a base64 ECDSA public key: %v", err)
	}
	return k, nil
}
