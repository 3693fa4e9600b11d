package smtp

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/notify"
)

func digest() notify.Message {
	return notify.Message{
		ID:       "msg_01JD",
		Channel:  notify.Email,
		FromName: "Acme via duehub",
		To:       []string{"ap@payer.example"},
		CC:       []string{"approver@payer.example"},
		BCC:      []string{"archive@payer.example"},
		ReplyTo:  "support@duehub.example",
		Subject:  "Rappel : 3 factures échues",
		Text:     "You owe USD 1,250.00 — pay at https://duehub.example/p/x",
		HTML:     "<p>You owe <b>USD 1,250.00</b></p>",
		Headers: map[string]string{
			"List-Unsubscribe":      "<https://duehub.example/u/abc>",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		},
	}
}

func newSender(t *testing.T, f *fakeSMTP, cfg Config) *Sender {
	t.Helper()
	cfg.Host, cfg.Port = "127.0.0.1", f.port()
	if cfg.From == "" {
		cfg.From = "reminders@duehub.example"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.now = func() time.Time { return time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC) }
	return s
}

func TestSendDeliversOneMIMEMessage(t *testing.T) {
	f := newFakeSMTP(t)
	s := newSender(t, f, Config{})

	res, err := s.Send(context.Background(), digest())
	if err != nil {
		t.Fatal(err)
	}
	txs := f.transactions()
	if len(txs) != 1 {
		t.Fatalf("%d transactions, want one message for the whole team", len(txs))
	}
	tx := txs[0]
	if tx.From != "reminders@duehub.example" {
		t.Errorf("MAIL FROM = %q", tx.From)
	}
	if got := strings.Join(tx.Rcpts, ","); got != "ap@payer.example,approver@payer.example,archive@payer.example" {
		t.Errorf("RCPT TO = %s, want To, Cc and Bcc", got)
	}

	msg, err := mail.ReadMessage(strings.NewReader(tx.Data))
	if err != nil {
		t.Fatalf("message does not parse: %v\n%s", err, tx.Data)
	}
	h := msg.Header
	if _, ok := h["Bcc"]; ok || strings.Contains(tx.Data, "archive@payer.example") {
		t.Errorf("the Bcc address leaked into the message:\n%s", tx.Data)
	}
	if h.Get("To") != "<ap@payer.example>" || h.Get("Cc") != "<approver@payer.example>" {
		t.Errorf("To = %q, Cc = %q", h.Get("To"), h.Get("Cc"))
	}
	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Acme via duehub" || from[0].Address != "reminders@duehub.example" {
		t.Errorf("From = %q (%v)", h.Get("From"), err)
	}
	if h.Get("Reply-To") != "<support@duehub.example>" {
		t.Errorf("Reply-To = %q", h.Get("Reply-To"))
	}
	rawSubject := h.Get("Subject")
	if !strings.HasPrefix(rawSubject, "=?utf-8?q?") {
		t.Errorf("non-ASCII Subject not RFC 2047 encoded: %q", rawSubject)
	}
	if subject, err := new(mime.WordDecoder).DecodeHeader(rawSubject); err != nil || subject != digest().Subject {
		t.Errorf("Subject decodes to %q (%v)", subject, err)
	}
	if id := h.Get("Message-Id"); !strings.Contains(id, "msg_01JD") || id != res.ProviderID {
		t.Errorf("Message-ID = %q, ProviderID = %q; want the same id containing the message id", id, res.ProviderID)
	}
	if d, err := h.Date(); err != nil || !d.Equal(s.now()) {
		t.Errorf("Date = %q (%v)", h.Get("Date"), err)
	}
	if h.Get("List-Unsubscribe") != "<https://duehub.example/u/abc>" || h.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Errorf("custom headers missing: %v", h)
	}

	mediaType, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v)", h.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var parts []string
	for {
		p, err := mr.NextPart() // decodes quoted-printable itself
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(p)
		parts = append(parts, p.Header.Get("Content-Type")+"|"+string(body))
	}
	want := []string{
		"text/plain; charset=utf-8|" + digest().Text,
		"text/html; charset=utf-8|" + digest().HTML,
	}
	if strings.Join(parts, "\n") != strings.Join(want, "\n") {
		t.Errorf("parts =\n%q\nwant\n%q", parts, want)
	}
	if !strings.Contains(tx.Data, "Content-Transfer-Encoding: quoted-printable") {
		t.Error("parts are not quoted-printable")
	}
}

func TestSendClassifiesReplies(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(f *fakeSMTP)
		permanent bool
		suppress  bool
		address   string
		code      string
	}{
		{name: "busy greeting", setup: func(f *fakeSMTP) { f.greeting = "421 4.3.2 try later" }, code: "421"},
		{name: "greylisted", setup: func(f *fakeSMTP) { f.rcptErr["ap@payer.example"] = "451 4.7.1 greylisted" }, code: "451"},
		{
			name:      "no such mailbox",
			setup:     func(f *fakeSMTP) { f.rcptErr["approver@payer.example"] = "550 5.1.1 no such user" },
			permanent: true, suppress: true, address: "approver@payer.example", code: "550",
		},
		{
			name:      "bad address, no enhanced code",
			setup:     func(f *fakeSMTP) { f.rcptErr["archive@payer.example"] = "553 mailbox name not allowed" },
			permanent: true, suppress: true, address: "archive@payer.example", code: "553",
		},
		{
			name:      "relaying denied is our configuration, not the payer",
			setup:     func(f *fakeSMTP) { f.rcptErr["ap@payer.example"] = "550 5.7.1 relaying denied" },
			permanent: true, code: "550",
		},
		{name: "content refused", setup: func(f *fakeSMTP) { f.dataErr = "554 5.7.1 looks like spam" }, permanent: true, code: "554"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSMTP(t)
			f.set(tt.setup)
			s := newSender(t, f, Config{})
			_, err := s.Send(context.Background(), digest())
			var e *notify.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want a *notify.Error", err)
			}
			if e.Permanent != tt.permanent || e.Suppress != tt.suppress || e.Address != tt.address || e.Code != tt.code {
				t.Errorf("got permanent=%v suppress=%v address=%q code=%q, want %v %v %q %q (%v)",
					e.Permanent, e.Suppress, e.Address, e.Code, tt.permanent, tt.suppress, tt.address, tt.code, err)
			}
			if n := len(f.transactions()); n != 0 {
				t.Errorf("%d messages accepted, want none", n)
			}
		})
	}
}

func TestSendGivesUpOnAHangingServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		// Accept and never greet.
		c, err := ln.Accept()
		if err == nil {
			defer c.Close()
			_, _ = io.Copy(io.Discard, c)
		}
	}()
	s, err := New(Config{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, From: "r@duehub.example", Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = s.Send(context.Background(), digest())
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Fatalf("Send returned after %v; the timeout did not hold", elapsed)
	}
	var e *notify.Error
	if !errors.As(err, &e) || e.Permanent || e.Code != "timeout" {
		t.Fatalf("err = %v, want a transient timeout", err)
	}
}

func TestSendAuthenticates(t *testing.T) {
	f := newFakeSMTP(t)
	f.set(func(f *fakeSMTP) { f.auth = true })
	s := newSender(t, f, Config{Username: "duehub", Password: "s3cret"})
	if _, err := s.Send(context.Background(), digest()); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	// AUTH PLAIN base64("\x00duehub\x00s3cret")
	if len(f.authed) != 1 || f.authed[0] != "PLAIN AGR1ZWh1YgBzM2NyZXQ=" {
		t.Errorf("AUTH = %q", f.authed)
	}
}

func TestSendRequiresStartTLSWhenConfigured(t *testing.T) {
	f := newFakeSMTP(t)
	s := newSender(t, f, Config{StartTLS: true})
	_, err := s.Send(context.Background(), digest())
	var e *notify.Error
	if !errors.As(err, &e) || e.Code != "starttls_unavailable" {
		t.Fatalf("err = %v, want starttls_unavailable", err)
	}
	if n := len(f.transactions()); n != 0 {
		t.Errorf("%d messages sent in plain text although TLS was required", n)
	}
}

func TestSendRefusesUnsendableMessages(t *testing.T) {
	f := newFakeSMTP(t)
	s := newSender(t, f, Config{})
	tests := []struct {
		name     string
		edit     func(*notify.Message)
		suppress bool
	}{
		{"no recipient", func(m *notify.Message) { m.To = nil }, false},
		{"no body", func(m *notify.Message) { m.Text, m.HTML = "", "" }, false},
		{"header injection", func(m *notify.Message) { m.Headers = map[string]string{"X-Note": "a\r\nBcc: victim@example.com"} }, false},
		{"overriding a structural header", func(m *notify.Message) { m.Headers = map[string]string{"to": "someone@else.example"} }, false},
		{"malformed recipient", func(m *notify.Message) { m.CC = []string{"not an address"} }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := digest()
			tt.edit(&m)
			_, err := s.Send(context.Background(), m)
			if !notify.IsPermanent(err) || notify.ShouldSuppress(err) != tt.suppress {
				t.Fatalf("err = %v, want permanent (suppress=%v)", err, tt.suppress)
			}
		})
	}
	if n := len(f.transactions()); n != 0 {
		t.Errorf("%d messages sent that should have been refused", n)
	}
}

func TestSendSinglePartWhenOnlyText(t *testing.T) {
	f := newFakeSMTP(t)
	s := newSender(t, f, Config{})
	m := digest()
	m.HTML = ""
	m.Subject = "Plain subject"
	if _, err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(strings.NewReader(f.transactions()[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	if ct := msg.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if msg.Header.Get("Subject") != "Plain subject" {
		t.Errorf("ASCII subject was encoded: %q", msg.Header.Get("Subject"))
	}
}

// TestNewDefaultsToAPatientTimeout: a timeout after DATA is ambiguous and
// its retry a likely duplicate, so the default waits at least 30 seconds.
func TestNewDefaultsToAPatientTimeout(t *testing.T) {
	s, err := New(Config{Host: "mail.example"})
	if err != nil {
		t.Fatal(err)
	}
	if s.cfg.Timeout < 30*time.Second {
		t.Errorf("default timeout %v, want at least 30s", s.cfg.Timeout)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no host":           {Port: 25},
		"bad port":          {Host: "mail.example", Port: 70000},
		"bad from":          {Host: "mail.example", From: "nope"},
		"password, no user": {Host: "mail.example", Password: "x"},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestSendHonoursContextCancellation(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			defer c.Close()
			_, _ = io.Copy(io.Discard, c)
		}
	}()
	// The timeout is long: only the context can end this send.
	s, err := New(Config{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, From: "r@duehub.example", Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err = s.Send(ctx, digest())
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Fatalf("Send returned after %v; cancelling the context did not stop it", elapsed)
	}
	if err == nil || notify.IsPermanent(err) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want a transient error wrapping context.Canceled", err)
	}
}
