package sendgrid

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
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
		CC:       []string{"approver@payer.example", "AP@payer.example"}, // duplicate of To
		BCC:      []string{"archive@payer.example"},
		ReplyTo:  "support@duehub.example",
		Subject:  "3 invoices from 2 vendors",
		Text:     "You owe USD 1,250.00",
		HTML:     "<p>You owe USD 1,250.00</p>",
		Headers: map[string]string{
			"List-Unsubscribe":      "<https://duehub.example/u/abc>",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		},
	}
}

func newSender(t *testing.T, host string, timeout time.Duration) *Sender {
	t.Helper()
	s, err := New(Config{APIKey: "SG.test-key", Host: host, From: "reminders@duehub.example", FromName: "duehub", Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSendBuildsOneMessageForTheWholeTeam(t *testing.T) {
	f := newFakeSendGrid(t)
	s := newSender(t, f.URL, time.Second)

	res, err := s.Send(context.Background(), digest())
	if err != nil {
		t.Fatal(err)
	}
	if res.ProviderID != "sg-msg-1" {
		t.Errorf("ProviderID = %q, want the X-Message-Id header", res.ProviderID)
	}

	req := f.last(t)
	if req.Method != http.MethodPost || req.Path != "/v3/mail/send" {
		t.Errorf("request = %s %s", req.Method, req.Path)
	}
	if got := req.Header.Get("Authorization"); got != "Bearer SG.test-key" {
		t.Errorf("Authorization = %q", got)
	}
	var body struct {
		From             struct{ Email, Name string }
		Subject          string
		ReplyTo          struct{ Email string } `json:"reply_to"`
		Personalizations []struct {
			To, CC, BCC []struct{ Email string }
		}
		Content    []struct{ Type, Value string }
		Headers    map[string]string
		CustomArgs map[string]string `json:"custom_args"`
	}
	if err := json.Unmarshal(req.Body, &body); err != nil {
		t.Fatalf("body %s: %v", req.Body, err)
	}
	if len(body.Personalizations) != 1 {
		t.Fatalf("%d personalizations, want exactly one for the whole team: %s", len(body.Personalizations), req.Body)
	}
	p := body.Personalizations[0]
	emails := func(l []struct{ Email string }) (s []string) {
		for _, e := range l {
			s = append(s, e.Email)
		}
		return s
	}
	if got := strings.Join(emails(p.To), ","); got != "ap@payer.example" {
		t.Errorf("to = %s", got)
	}
	// The CC duplicate of the To address is dropped: SendGrid refuses the
	// whole request when an address repeats within a personalization.
	if got := strings.Join(emails(p.CC), ","); got != "approver@payer.example" {
		t.Errorf("cc = %s", got)
	}
	if got := strings.Join(emails(p.BCC), ","); got != "archive@payer.example" {
		t.Errorf("bcc = %s", got)
	}
	if body.From.Email != "reminders@duehub.example" || body.From.Name != "Acme via duehub" {
		t.Errorf("from = %+v", body.From)
	}
	if body.ReplyTo.Email != "support@duehub.example" {
		t.Errorf("reply_to = %+v", body.ReplyTo)
	}
	if len(body.Content) != 2 || body.Content[0].Type != "text/plain" || body.Content[1].Type != "text/html" ||
		body.Content[0].Value != "You owe USD 1,250.00" || body.Content[1].Value != "<p>You owe USD 1,250.00</p>" {
		t.Errorf("content = %+v, want text/plain then text/html", body.Content)
	}
	if body.Headers["List-Unsubscribe"] != "<https://duehub.example/u/abc>" ||
		body.Headers["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click" {
		t.Errorf("headers = %v", body.Headers)
	}
	if len(body.CustomArgs) != 1 || body.CustomArgs["message_id"] != "msg_01JD" {
		t.Errorf("custom_args = %v, want only the opaque message id", body.CustomArgs)
	}
}

func TestSendClassifiesFailures(t *testing.T) {
	tests := []struct {
		name       string
		respond    func(http.ResponseWriter, *http.Request)
		permanent  bool
		suppress   bool
		address    string
		retryAfter time.Duration
	}{
		{name: "server error", respond: reply(500, nil, `{"errors":[{"message":"internal"}]}`)},
		{name: "bad gateway from a proxy", respond: reply(502, nil, `<html>bad gateway</html>`)},
		{
			name:       "rate limited",
			respond:    reply(429, map[string]string{"Retry-After": "7"}, `{"errors":[{"message":"too many requests"}]}`),
			retryAfter: 7 * time.Second,
		},
		{
			// A date two centuries away would park the digest for good.
			name:       "rate limited until a date in 2200",
			respond:    reply(429, map[string]string{"Retry-After": "Mon, 01 Jan 2200 00:00:00 GMT"}, `{"errors":[{"message":"too many requests"}]}`),
			retryAfter: notify.MaxRetryAfter,
		},
		{
			name:      "invalid recipient",
			respond:   reply(400, nil, `{"errors":[{"message":"Does not contain a valid address.","field":"personalizations.0.cc.0.email","help":"http://sendgrid.com/docs"}]}`),
			permanent: true, suppress: true, address: "approver@payer.example",
		},
		{
			name:      "invalid from is our configuration, not the payer",
			respond:   reply(400, nil, `{"errors":[{"message":"The from email does not contain a valid address.","field":"from.email"}]}`),
			permanent: true,
		},
		{name: "bad key", respond: reply(401, nil, `{"errors":[{"message":"The provided authorization grant is invalid, expired, or revoked"}]}`), permanent: true},
		{name: "unverified sender", respond: reply(403, nil, `{"errors":[{"message":"The from address does not match a verified Sender Identity."}]}`), permanent: true},
	}
	f := newFakeSendGrid(t)
	s := newSender(t, f.URL, time.Second)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.setResponse(tt.respond)
			_, err := s.Send(context.Background(), digest())
			var e *notify.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want a *notify.Error", err)
			}
			if e.Permanent != tt.permanent || e.Suppress != tt.suppress || e.Address != tt.address {
				t.Errorf("got permanent=%v suppress=%v address=%q, want %v %v %q (%v)",
					e.Permanent, e.Suppress, e.Address, tt.permanent, tt.suppress, tt.address, err)
			}
			if d, _ := notify.RetryAfter(err); d != tt.retryAfter {
				t.Errorf("RetryAfter = %v, want %v", d, tt.retryAfter)
			}
		})
	}
}

func TestSendGivesUpOnAHangingServer(t *testing.T) {
	f := newFakeSendGrid(t)
	release := make(chan struct{})
	defer close(release)
	f.setResponse(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	s := newSender(t, f.URL, 200*time.Millisecond)

	start := time.Now()
	_, err := s.Send(context.Background(), digest())
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Fatalf("Send returned after %v; the 200ms timeout did not hold", elapsed)
	}
	var e *notify.Error
	if !errors.As(err, &e) || e.Permanent || e.Code != "timeout" {
		t.Fatalf("err = %v, want a transient timeout", err)
	}
}

func TestSendHonoursContext(t *testing.T) {
	f := newFakeSendGrid(t)
	s := newSender(t, f.URL, time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Send(ctx, digest())
	if err == nil || notify.IsPermanent(err) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want a transient context.Canceled", err)
	}
}

func TestSendRefusesUnsendableMessages(t *testing.T) {
	f := newFakeSendGrid(t)
	s := newSender(t, f.URL, time.Second)
	tests := []struct {
		name     string
		edit     func(*notify.Message)
		suppress bool
	}{
		{"no recipient", func(m *notify.Message) { m.To = nil }, false},
		{"no body", func(m *notify.Message) { m.Text, m.HTML = "", "" }, false},
		{"no subject", func(m *notify.Message) { m.Subject = "" }, false},
		{"malformed address", func(m *notify.Message) { m.CC = []string{"not an address"} }, true},
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
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) != 0 {
		t.Errorf("%d requests reached SendGrid for messages that cannot be sent", len(f.requests))
	}
}

func TestNewValidatesConfig(t *testing.T) {
	if _, err := New(Config{}); err == nil || !strings.Contains(err.Error(), "DUEHUB_SENDGRID_API_KEY") {
		t.Errorf("missing key: err = %v, want one naming DUEHUB_SENDGRID_API_KEY", err)
	}
	if _, err := New(Config{APIKey: "k", Host: "api.sendgrid.com"}); err == nil {
		t.Error("a host without a scheme was accepted")
	}
	s, err := New(Config{APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if s.cfg.Host != "https://api.sendgrid.com" || s.cfg.Timeout != notify.ProviderTimeout {
		t.Errorf("defaults = %q %v", s.cfg.Host, s.cfg.Timeout)
	}
}

// A shared sendgrid.Client rewrites its body on every send; a Sender must not
// mix up concurrent messages.
func TestSendIsSafeForConcurrentUse(t *testing.T) {
	f := newFakeSendGrid(t)
	s := newSender(t, f.URL, 5*time.Second)
	const n = 20
	errs := make(chan error, n)
	for i := range n {
		go func() {
			m := digest()
			m.ID = fmt.Sprintf("msg_%02d", i)
			m.Subject = m.ID
			_, err := s.Send(context.Background(), m)
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	seen := map[string]bool{}
	for _, r := range f.requests {
		var body struct {
			Subject    string
			CustomArgs map[string]string `json:"custom_args"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		if body.CustomArgs["message_id"] != body.Subject {
			t.Errorf("message %s carries the id of %s", body.Subject, body.CustomArgs["message_id"])
		}
		seen[body.Subject] = true
	}
	if len(seen) != n {
		t.Errorf("%d distinct messages reached SendGrid, want %d", len(seen), n)
	}
}

func TestInvalidAddressWithoutFieldSuppressesOnlyASoleRecipient(t *testing.T) {
	f := newFakeSendGrid(t)
	f.setResponse(reply(400, nil, `{"errors":[{"message":"Invalid email address"}]}`))
	s := newSender(t, f.URL, time.Second)

	// Several recipients: which one is bad is unknown, so none is suppressed.
	_, err := s.Send(context.Background(), digest())
	if !notify.IsPermanent(err) || notify.ShouldSuppress(err) {
		t.Errorf("team message: err = %v, want permanent without suppression", err)
	}

	m := digest()
	m.CC, m.BCC = nil, nil
	_, err = s.Send(context.Background(), m)
	var e *notify.Error
	if !errors.As(err, &e) || !e.Suppress || e.Address != "ap@payer.example" {
		t.Errorf("sole recipient: err = %v, want ap@payer.example suppressed", err)
	}
}
