package inbound

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	netmail "net/mail"
	"slices"
	"strings"

	"github.com/emersion/go-message/charset"
)

// ParseInboundParse reads one SendGrid Inbound Parse post, in either of its
// shapes: the raw message in the "email" field ("POST the raw, full MIME
// message" turned on), or SendGrid's parsed fields (headers, text, html,
// envelope, charsets). The SPF and DKIM verdicts SendGrid computed are kept.
func ParseInboundParse(form *multipart.Form) (Email, error) {
	field := func(k string) string {
		if v := form.Value[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	var e Email
	if raw := field("email"); raw != "" {
		var err error
		if e, err = ParseEmail(strings.NewReader(raw)); err != nil {
			return Email{}, err
		}
	} else {
		headers := field("headers")
		if strings.TrimSpace(headers) == "" && field("from") == "" {
			return Email{}, errors.New("inbound: Inbound Parse post without email or headers")
		}
		var charsets map[string]string
		_ = json.Unmarshal([]byte(field("charsets")), &charsets)
		decode := func(k string) string {
			v := field(k)
			cs := strings.ToLower(charsets[k])
			if cs == "" || cs == "utf-8" || cs == "us-ascii" {
				return v
			}
			r, err := charset.Reader(cs, strings.NewReader(v))
			if err != nil {
				return v
			}
			b, err := io.ReadAll(r)
			if err != nil {
				return v
			}
			return string(b)
		}
		e = Email{Header: map[string]string{}, Text: decode("text"), HTML: decode("html"), Subject: decode("subject")}
		m, err := netmail.ReadMessage(strings.NewReader(strings.ReplaceAll(headers, "\r\n", "\n") + "\n\n"))
		var h netmail.Header
		if err == nil {
			h = m.Header
			for _, k := range autoHeaders {
				if v := h.Get(k); v != "" {
					e.Header[k] = v
				}
			}
			if e.Subject == "" {
				e.Subject = decodeWord(h.Get("Subject"))
			}
		}
		e.MessageID = messageID(h.Get("Message-Id"), []byte(headers+"\x00"+field("text")+"\x00"+field("html")))
		from := field("from")
		if h != nil && h.Get("From") != "" {
			from = h.Get("From")
		}
		if a, err := netmail.ParseAddress(decodeWord(from)); err == nil {
			e.From = strings.ToLower(a.Address)
		}
		for _, k := range []string{"to", "cc"} {
			if list, err := netmail.ParseAddressList(field(k)); err == nil {
				for _, a := range list {
					e.Recipients = append(e.Recipients, strings.ToLower(a.Address))
				}
			}
		}
	}
	var env struct {
		To   []string `json:"to"`
		From string   `json:"from"`
	}
	if json.Unmarshal([]byte(field("envelope")), &env) == nil && len(env.To) > 0 {
		e.Recipients = nil
		for _, t := range env.To {
			e.Recipients = append(e.Recipients, strings.ToLower(t))
		}
	}
	if v := field("SPF"); v != "" {
		e.SPF = v
	}
	if v := field("dkim"); v != "" {
		e.DKIM = v
	}
	if field("email") == "" {
		// The parsed shape posts each attachment as a file part.
		names := make([]string, 0, len(form.File))
		for k := range form.File {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, k := range names {
			for _, fh := range form.File[k] {
				f, err := fh.Open()
				if err != nil {
					e.Dropped++
					continue
				}
				e.attach(fh.Filename, f)
				f.Close()
			}
		}
	}
	return e, nil
}

// ReadInboundParse parses a multipart Inbound Parse body read whole (the
// handler bounds its size).
func ReadInboundParse(body []byte, boundary string) (Email, error) {
	form, err := multipart.NewReader(bytes.NewReader(body), boundary).ReadForm(MaxEmail)
	if err != nil {
		return Email{}, err
	}
	defer form.RemoveAll()
	return ParseInboundParse(form)
}
