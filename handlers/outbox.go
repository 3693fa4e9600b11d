package handlers

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/notify/outbox"
	"github.com/duehub/duehub/vendors"
)

// The dev outbox pages show stored messages to a developer. A message's HTML
// is untrusted (it carries vendor-supplied text), so it is only ever shown
// inside a sandboxed srcdoc iframe: no script, no same-origin access, no
// navigation of the outbox page.

//go:embed templates/outbox*.html
var outboxFS embed.FS

var outboxTemplates = template.Must(template.New("outbox").Funcs(template.FuncMap{
	"when":     func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
	"datetime": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"join":     func(a []string) string { return strings.Join(a, ", ") },
	"summary":  outboxSummary,
	"runes":    utf8.RuneCountInString,
}).ParseFS(outboxFS, "templates/outbox*.html"))

const (
	outboxDefaultLimit = 100
	outboxMaxLimit     = 1000
	// outboxCSP forbids everything but inline styles and data: images, for the
	// pages and (inherited) for the srcdoc preview inside them.
	outboxCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-src 'self'; " +
		"base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
	// outboxSandbox lets a developer follow a message's links into a new tab
	// (the popup escapes the sandbox so the portal works there) while the
	// message itself runs no script and cannot touch or navigate this page.
	outboxSandbox = "allow-popups allow-popups-to-escape-sandbox"
)

func outboxHeaders(c *gin.Context) {
	c.Header("Content-Security-Policy", outboxCSP)
	c.Header("Referrer-Policy", "no-referrer")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Cache-Control", "no-store")
}

func outboxLimit(c *gin.Context) (int, error) {
	raw := c.Query("limit")
	if raw == "" {
		return outboxDefaultLimit, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > outboxMaxLimit {
		return 0, vendors.Invalid("limit", "must be an integer from 1 to 1000")
	}
	return n, nil
}

type outboxList struct {
	Messages []outboxMessageResponse `json:"messages"`
}

type outboxMessageResponse struct {
	ID         int64             `json:"id"`
	Channel    notify.Channel    `json:"channel"`
	MessageID  string            `json:"message_id"`
	ProviderID string            `json:"provider_id"`
	To         []string          `json:"to"`
	CC         []string          `json:"cc"`
	BCC        []string          `json:"bcc"`
	Subject    string            `json:"subject"`
	Text       string            `json:"text"`
	HTML       string            `json:"html"`
	Headers    map[string]string `json:"headers"`
	CreatedAt  time.Time         `json:"created_at"`
}

func outboxMessageOut(m outbox.Message) outboxMessageResponse {
	return outboxMessageResponse{
		ID: m.ID, Channel: m.Channel, MessageID: m.MessageID, ProviderID: "outbox-" + strconv.FormatInt(m.ID, 10),
		To: m.To, CC: m.CC, BCC: m.BCC, Subject: m.Subject, Text: m.Text, HTML: m.HTML,
		Headers: m.Headers, CreatedAt: m.CreatedAt,
	}
}

func (s *Server) outboxJSON(c *gin.Context) {
	outboxHeaders(c)
	limit, err := outboxLimit(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	msgs, err := s.outbox.List(c.Request.Context(), limit)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := outboxList{Messages: make([]outboxMessageResponse, len(msgs))}
	for i, m := range msgs {
		out.Messages[i] = outboxMessageOut(m)
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) outboxList(c *gin.Context) {
	outboxHeaders(c)
	limit, err := outboxLimit(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	msgs, err := s.outbox.List(c.Request.Context(), limit)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.outboxPage(c, "outbox_list.html", map[string]any{"Messages": msgs, "Limit": limit})
}

func (s *Server) outboxMessage(c *gin.Context) {
	outboxHeaders(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		s.fail(c, errNoRoute)
		return
	}
	m, err := s.outbox.Get(c.Request.Context(), id)
	if err != nil {
		// problemFor knows the vendors' not-found only; an unknown message is
		// a 404 like an unknown route.
		if errors.Is(err, outbox.ErrNotFound) {
			err = fmt.Errorf("%w: %w", errNoRoute, err)
		}
		s.fail(c, err)
		return
	}
	s.outboxPage(c, "outbox_message.html", map[string]any{
		"Message": m,
		"Preview": outboxPreview(m.HTML),
		"Sandbox": outboxSandbox,
		"Phone":   c.Query("view") == "phone",
	})
}

// outboxPage renders into memory first so a template error becomes a clean
// 500 problem instead of half a page.
func (s *Server) outboxPage(c *gin.Context, name string, data any) {
	var b strings.Builder
	if err := outboxTemplates.ExecuteTemplate(&b, name, data); err != nil {
		s.fail(c, fmt.Errorf("render %s: %w", name, err))
		return
	}
	c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(b.String()))
}

// outboxSummary is what the list shows for a message: the subject of an
// email, the start of an SMS.
func outboxSummary(m outbox.Message) string {
	text := m.Subject
	if m.Channel == notify.SMS || text == "" {
		text = strings.Join(strings.Fields(m.Text), " ")
	}
	if text == "" {
		return "(empty)"
	}
	if utf8.RuneCountInString(text) > 90 {
		r := []rune(text)
		text = strings.TrimSpace(string(r[:89])) + "…"
	}
	return text
}

// outboxPreview prepares a message's HTML for the srcdoc preview: links open
// in a new tab rather than inside the small frame. The template escapes the
// result as an attribute value; it is never emitted as markup.
func outboxPreview(html string) string {
	if html == "" {
		return ""
	}
	const base = `<base target="_blank">`
	lower := strings.ToLower(html)
	// After <head> when there is one, so a doctype stays first and the
	// message renders in the same mode as in a mail client.
	for i := 0; ; {
		j := strings.Index(lower[i:], "<head")
		if j < 0 {
			break
		}
		j += i
		k := j + len("<head")
		if k < len(lower) && (lower[k] == '>' || lower[k] == ' ' || lower[k] == '\t' || lower[k] == '\n' || lower[k] == '\r') {
			if end := strings.IndexByte(lower[k:], '>'); end >= 0 {
				at := k + end + 1
				return html[:at] + base + html[at:]
			}
		}
		i = k
	}
	if strings.HasPrefix(strings.TrimSpace(lower), "<!doctype") {
		if end := strings.IndexByte(html, '>'); end >= 0 {
			return html[:end+1] + base + html[end+1:]
		}
	}
	return base + html
}
