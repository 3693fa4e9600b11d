package smtp

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"net/textproto"
	"slices"
	"strings"
	"time"

	"github.com/duehub/duehub/notify"
)

// envelope is who a message is from and to, checked and deduplicated.
type envelope struct {
	from      *netmail.Address
	to, cc    []*netmail.Address
	rcpts     []string // To, Cc and Bcc: Bcc appears only here
	replyTo   *netmail.Address
	messageID string
}

func (s *Sender) envelope(m notify.Message) (*envelope, error) {
	from := &netmail.Address{Name: s.cfg.FromName, Address: s.cfg.From}
	if m.From != "" {
		from = &netmail.Address{Name: m.FromName, Address: m.From}
	} else if m.FromName != "" {
		from.Name = m.FromName
	}
	if from.Address == "" {
		return nil, invalid("no From address (set it in the config or the message)")
	}
	if _, err := netmail.ParseAddress(from.Address); err != nil {
		return nil, invalid(fmt.Sprintf("from address %q: %v", from.Address, err))
	}
	env := &envelope{from: from}
	seen := map[string]bool{}
	for _, list := range []struct {
		addrs  []string
		header *[]*netmail.Address
	}{{m.To, &env.to}, {m.CC, &env.cc}, {m.BCC, nil}} {
		for _, a := range list.addrs {
			addr, err := netmail.ParseAddress(a)
			if err != nil {
				return nil, &notify.Error{Permanent: true, Suppress: true, Address: a, Code: "invalid_address", Err: fmt.Errorf("smtp: recipient: %w", err)}
			}
			key := strings.ToLower(addr.Address)
			if seen[key] {
				continue
			}
			seen[key] = true
			env.rcpts = append(env.rcpts, addr.Address)
			if list.header != nil {
				*list.header = append(*list.header, &netmail.Address{Address: addr.Address})
			}
		}
	}
	if len(env.to) == 0 {
		return nil, invalid("no To recipient")
	}
	if m.ReplyTo != "" {
		r, err := netmail.ParseAddress(m.ReplyTo)
		if err != nil {
			return nil, invalid(fmt.Sprintf("reply-to %q: %v", m.ReplyTo, err))
		}
		env.replyTo = r
	}
	env.messageID = messageID(m.ID, from.Address)
	return env, nil
}

// messageID derives the Message-ID from our row id, so a retry of the same
// message carries the same id and receiving systems can collapse duplicates.
func messageID(id, from string) string {
	_, domain, _ := strings.Cut(from, "@")
	if domain == "" {
		domain = "duehub.invalid"
	}
	local := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("-_.+=", r):
			return r
		}
		return '-'
	}, id)
	if local == "" {
		var b [12]byte
		_, _ = rand.Read(b[:])
		local = hex.EncodeToString(b[:])
	}
	return "<duehub." + local + "@" + domain + ">"
}

// reserved headers are written by buildMessage; a custom header must not
// replace them (a second From or To would be worse than none).
var reserved = []string{"Bcc", "Cc", "Content-Transfer-Encoding", "Content-Type", "Date", "From",
	"Message-Id", "Mime-Version", "Reply-To", "Subject", "To"}

// buildMessage writes the RFC 5322 message with CRLF line endings.
func buildMessage(m notify.Message, env *envelope, now time.Time) ([]byte, error) {
	if m.Text == "" && m.HTML == "" {
		return nil, invalid("message has neither text nor HTML")
	}
	var b bytes.Buffer
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("From", env.from.String())
	h("To", joinAddresses(env.to))
	if len(env.cc) > 0 {
		h("Cc", joinAddresses(env.cc))
	}
	if env.replyTo != nil {
		h("Reply-To", env.replyTo.String())
	}
	h("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	h("Date", now.Format(time.RFC1123Z))
	h("Message-ID", env.messageID)
	h("MIME-Version", "1.0")

	keys := make([]string, 0, len(m.Headers))
	for k := range m.Headers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := m.Headers[k]
		if !validFieldName(k) || slices.Contains(reserved, textproto.CanonicalMIMEHeaderKey(k)) {
			return nil, invalid(fmt.Sprintf("header %q cannot be set", k))
		}
		// A CR or LF would let the value start a header or body of its own.
		if strings.ContainsAny(v, "\r\n") {
			return nil, invalid(fmt.Sprintf("header %q contains a line break", k))
		}
		h(k, mime.QEncoding.Encode("utf-8", v))
	}

	if m.Text == "" || m.HTML == "" {
		ctype, body := "text/plain; charset=utf-8", m.Text
		if m.Text == "" {
			ctype, body = "text/html; charset=utf-8", m.HTML
		}
		h("Content-Type", ctype)
		h("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		if err := writeQP(&b, body); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}

	mw := multipart.NewWriter(&b)
	h("Content-Type", `multipart/alternative; boundary="`+mw.Boundary()+`"`)
	b.WriteString("\r\n")
	// Plain text first: clients show the last alternative they understand.
	for _, part := range []struct{ ctype, body string }{
		{"text/plain; charset=utf-8", m.Text},
		{"text/html; charset=utf-8", m.HTML},
	} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.ctype},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		if err := writeQP(w, part.body); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeQP(w io.Writer, s string) error {
	qp := quotedprintable.NewWriter(w)
	if _, err := qp.Write([]byte(s)); err != nil {
		return err
	}
	return qp.Close()
}

func joinAddresses(as []*netmail.Address) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}

// validFieldName reports whether k is an RFC 5322 field name: printable
// ASCII without a colon.
func validFieldName(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if r <= ' ' || r > '~' || r == ':' {
			return false
		}
	}
	return true
}

func invalid(msg string) error {
	return &notify.Error{Permanent: true, Code: "invalid_message", Err: errors.New("smtp: " + msg)}
}
