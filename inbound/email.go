package inbound

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	netmail "net/mail"
	"regexp"
	"strings"

	_ "github.com/emersion/go-message/charset" // replies in ISO-8859-1, Windows-1252, …
	"github.com/emersion/go-message/mail"
)

// MaxEmail is the largest inbound email accepted, attachments included:
// room for one file of MaxAttachment in base64 and the text around it.
const MaxEmail = 20 << 20

// ErrTooLarge means the email is larger than MaxEmail.
var ErrTooLarge = errors.New("inbound: email too large")

// Email is an inbound email reduced to what routing needs.
type Email struct {
	// MessageID deduplicates: the Message-ID header, else a hash of the
	// whole message.
	MessageID string
	From      string // the From address, lower-cased
	// Recipients are the addresses the message was delivered to: the SMTP
	// envelope or Inbound Parse's envelope, else To and Cc.
	Recipients []string
	Subject    string
	// Text is the body as written, quoted history and signature included.
	Text string
	// HTML is the HTML body when there is one.
	HTML string
	// Header keeps the headers that tell an auto-reply.
	Header map[string]string
	// SPF and DKIM are the receiving side's verdicts, when known.
	SPF, DKIM string
	// Attachments are the files kept (at most maxAttachments, each at most
	// MaxAttachment); Dropped counts those left out.
	Attachments []Attachment
	Dropped     int
}

// attach keeps a file read from r, or counts it dropped.
func (e *Email) attach(name string, r io.Reader) {
	if len(e.Attachments) >= maxAttachments {
		e.Dropped++
		return
	}
	a, ok, err := readAttachment(name, r)
	if err != nil || !ok {
		e.Dropped++
		return
	}
	e.Attachments = append(e.Attachments, a)
}

// autoHeaders are the headers IsAutomatic reads.
var autoHeaders = []string{"Auto-Submitted", "Precedence", "X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress",
	"List-Id", "List-Unsubscribe", "X-Duehub-Message", "Return-Path"}

// ParseEmail reads a raw RFC 5322 message. It never fails on a body part it
// cannot decode: it keeps what it could read.
func ParseEmail(r io.Reader) (Email, error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxEmail+1))
	if err != nil {
		return Email{}, fmt.Errorf("inbound: read email: %w", err)
	}
	if len(raw) > MaxEmail {
		return Email{}, ErrTooLarge
	}
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil && mr == nil {
		return Email{}, fmt.Errorf("inbound: parse email: %w", err)
	}
	defer mr.Close()
	h := mr.Header
	e := Email{Header: map[string]string{}}
	e.MessageID = messageID(h.Get("Message-Id"), raw)
	if from, err := h.AddressList("From"); err == nil && len(from) > 0 {
		e.From = strings.ToLower(from[0].Address)
	} else if a, err := netmail.ParseAddress(h.Get("From")); err == nil {
		e.From = strings.ToLower(a.Address)
	}
	for _, k := range []string{"To", "Cc"} {
		if list, err := h.AddressList(k); err == nil {
			for _, a := range list {
				e.Recipients = append(e.Recipients, strings.ToLower(a.Address))
			}
		}
	}
	if e.Subject, err = h.Subject(); err != nil {
		e.Subject = h.Get("Subject")
	}
	for _, k := range autoHeaders {
		if v := h.Get(k); v != "" {
			e.Header[k] = v
		}
	}
	// The verdicts of the MTA in front of the SMTP listener (Postfix with
	// OpenDKIM/SPF, a relay): recorded, never trusted over our own checks.
	e.SPF, e.DKIM = authResult(h.Get("Authentication-Results"), "spf"), authResult(h.Get("Authentication-Results"), "dkim")
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			// A broken part ends the walk; what was read stays.
			break
		}
		ih, ok := p.Header.(*mail.InlineHeader)
		if !ok {
			if ah, ok := p.Header.(*mail.AttachmentHeader); ok {
				name, _ := ah.Filename()
				e.attach(name, p.Body)
			}
			continue
		}
		ct, _, _ := ih.ContentType()
		if ct == "" {
			ct = "text/plain"
		}
		b, err := io.ReadAll(io.LimitReader(p.Body, MaxEmail))
		if err != nil && len(b) == 0 {
			continue
		}
		switch ct {
		case "text/plain":
			if e.Text == "" {
				e.Text = string(b)
			}
		case "text/html":
			if e.HTML == "" {
				e.HTML = string(b)
			}
		}
	}
	return e, nil
}

// messageID normalises a Message-ID; with none, a hash of the message
// stands in, so that the same message delivered twice is still one.
func messageID(h string, raw []byte) string {
	id := strings.Trim(strings.TrimSpace(h), "<>")
	if id != "" && len(id) <= 500 {
		return id
	}
	sum := sha256.Sum256(raw)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// decodeWord decodes RFC 2047 words in a header Inbound Parse passes as is.
func decodeWord(s string) string {
	d, err := new(mime.WordDecoder).DecodeHeader(s)
	if err != nil {
		return s
	}
	return d
}

var authResultRE = map[string]*regexp.Regexp{
	"spf":  regexp.MustCompile(`(?i)\bspf=([a-z]+)`),
	"dkim": regexp.MustCompile(`(?i)\bdkim=([a-z]+)`),
}

// authResult reads one method's result from an Authentication-Results
// header (RFC 8601), "" when absent.
func authResult(h, method string) string {
	if m := authResultRE[method].FindStringSubmatch(h); m != nil {
		return strings.ToLower(m[1])
	}
	return ""
}
