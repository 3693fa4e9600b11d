package twilio

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/notify"
)

func newSender(t *testing.T, baseURL string, timeout time.Duration) *Sender {
	t.Helper()
	s, err := New(Config{AccountSID: testSID, AuthToken: testToken, From: "+15550001111", BaseURL: baseURL, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sms() notify.Message {
	return notify.Message{
		ID:             "msg_01JD",
		Channel:        notify.SMS,
		To:             []string{"+15551230000"},
		Text:           "Acme: 3 invoices due, USD 1,250.00. https://duehub.example/p/x Reply STOP to opt out.",
		StatusCallback: "https://duehub.example/webhooks/twilio/status?m=msg_01JD",
	}
}

func TestSendCreatesAMessage(t *testing.T) {
	f := newFakeTwilio(t)
	s := newSender(t, f.URL, time.Second)

	res, err := s.Send(context.Background(), sms())
	if err != nil {
		t.Fatal(err)
	}
	if res.ProviderID != "SM0123456789abcdef0123456789abcdef" {
		t.Errorf("ProviderID = %q, want the message SID", res.ProviderID)
	}
	req := f.last(t)
	if req.Method != http.MethodPost || req.Path != "/2010-04-01/Accounts/"+testSID+"/Messages.json" {
		t.Errorf("request = %s %s", req.Method, req.Path)
	}
	if req.User != testSID || req.Pass != testToken {
		t.Errorf("basic auth = %q:%q", req.User, req.Pass)
	}
	m := sms()
	for k, want := range map[string]string{"To": m.To[0], "From": "+15550001111", "Body": m.Text, "StatusCallback": m.StatusCallback} {
		if got := req.Form.Get(k); got != want {
			t.Errorf("form %s = %q, want %q", k, got, want)
		}
	}
}

func TestSendThroughAMessagingService(t *testing.T) {
	f := newFakeTwilio(t)
	s, err := New(Config{AccountSID: testSID, AuthToken: testToken, From: "MG0123456789abcdef0123456789abcdef", BaseURL: f.URL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Send(context.Background(), sms()); err != nil {
		t.Fatal(err)
	}
	req := f.last(t)
	if req.Form.Get("MessagingServiceSid") != "MG0123456789abcdef0123456789abcdef" || req.Form.Has("From") {
		t.Errorf("form = %v, want MessagingServiceSid and no From", req.Form)
	}
}

func TestSendClassifiesFailures(t *testing.T) {
	tests := []struct {
		name       string
		respond    func(http.ResponseWriter, *http.Request)
		permanent  bool
		suppress   bool
		code       string
		retryAfter time.Duration
	}{
		{
			name:      "recipient sent STOP",
			respond:   reply(400, nil, `{"code":21610,"message":"Attempt to send to unsubscribed recipient","more_info":"https://www.twilio.com/docs/errors/21610","status":400}`),
			permanent: true, suppress: true, code: "21610",
		},
		{
			name:      "invalid number",
			respond:   reply(400, nil, `{"code":21211,"message":"Invalid 'To' Phone Number: +1555","status":400}`),
			permanent: true, suppress: true, code: "21211",
		},
		{
			name:      "landline",
			respond:   reply(400, nil, `{"code":21614,"message":"'To' number is not a valid mobile number","status":400}`),
			permanent: true, suppress: true, code: "21614",
		},
		{
			name:      "region not enabled is our account, not the payer",
			respond:   reply(400, nil, `{"code":21408,"message":"Permission to send an SMS has not been enabled for the region","status":400}`),
			permanent: true, code: "21408",
		},
		{name: "bad credentials", respond: reply(401, nil, `{"code":20003,"message":"Authenticate","status":401}`), permanent: true, code: "20003"},
		{name: "server error", respond: reply(500, nil, `{"code":20500,"message":"Internal Server Error","status":500}`), code: "20500"},
		{name: "proxy error page", respond: reply(503, map[string]string{"Retry-After": "30"}, `<html>unavailable</html>`), code: "503", retryAfter: 30 * time.Second},
		{
			name:       "rate limited",
			respond:    reply(429, map[string]string{"Retry-After": "7"}, `{"code":20429,"message":"Too Many Requests","status":429}`),
			code:       "20429",
			retryAfter: 7 * time.Second,
		},
		{
			name:       "rate limited until a date in 2200",
			respond:    reply(429, map[string]string{"Retry-After": "Mon, 01 Jan 2200 00:00:00 GMT"}, `{"code":20429,"message":"Too Many Requests","status":429}`),
			code:       "20429",
			retryAfter: notify.MaxRetryAfter,
		},
		{name: "accepted but unreadable", respond: reply(201, nil, `{"sid":`), permanent: true, code: "unreadable_response"},
	}
	f := newFakeTwilio(t)
	s := newSender(t, f.URL, time.Second)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.setResponse(tt.respond)
			_, err := s.Send(context.Background(), sms())
			var e *notify.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want a *notify.Error", err)
			}
			if e.Permanent != tt.permanent || e.Suppress != tt.suppress || e.Code != tt.code {
				t.Errorf("got permanent=%v suppress=%v code=%q, want %v %v %q (%v)",
					e.Permanent, e.Suppress, e.Code, tt.permanent, tt.suppress, tt.code, err)
			}
			if tt.suppress && e.Address != "+15551230000" {
				t.Errorf("Address = %q, want the number to suppress", e.Address)
			}
			if d, _ := notify.RetryAfter(err); d != tt.retryAfter {
				t.Errorf("RetryAfter = %v, want %v", d, tt.retryAfter)
			}
		})
	}
}

func TestSendGivesUpOnAHangingServer(t *testing.T) {
	f := newFakeTwilio(t)
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
	_, err := s.Send(context.Background(), sms())
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Fatalf("Send returned after %v; the 200ms timeout did not hold", elapsed)
	}
	var e *notify.Error
	if !errors.As(err, &e) || e.Permanent || e.Code != "timeout" {
		t.Fatalf("err = %v, want a transient timeout", err)
	}
}

func TestSendHonoursContextCancellation(t *testing.T) {
	f := newFakeTwilio(t)
	release := make(chan struct{})
	defer close(release)
	f.setResponse(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	// The timeout is long: only the context can end this send.
	s := newSender(t, f.URL, time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := s.Send(ctx, sms())
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Fatalf("Send returned after %v; cancelling the context did not stop it", elapsed)
	}
	if err == nil || notify.IsPermanent(err) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want a transient context.Canceled", err)
	}
}

func TestSendRefusesUnsendableMessages(t *testing.T) {
	f := newFakeTwilio(t)
	s := newSender(t, f.URL, time.Second)
	for name, edit := range map[string]func(*notify.Message){
		"no recipient": func(m *notify.Message) { m.To = nil },
		"two numbers":  func(m *notify.Message) { m.To = []string{"+15551230000", "+15551230001"} },
		"empty body":   func(m *notify.Message) { m.Text = "" },
		"blank number": func(m *notify.Message) { m.To = []string{" "} },
	} {
		t.Run(name, func(t *testing.T) {
			m := sms()
			edit(&m)
			if _, err := s.Send(context.Background(), m); !notify.IsPermanent(err) || notify.ShouldSuppress(err) {
				t.Fatalf("err = %v, want permanent without suppression", err)
			}
		})
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) != 0 {
		t.Errorf("%d requests reached Twilio for messages that cannot be sent", len(f.requests))
	}
}

// TestNewDefaultsToAPatientTimeout: a timeout is ambiguous and its retry a
// likely duplicate, so the default waits at least 30 seconds for Twilio.
func TestNewDefaultsToAPatientTimeout(t *testing.T) {
	s, err := New(Config{AccountSID: testSID, AuthToken: testToken, From: "+15550001111"})
	if err != nil {
		t.Fatal(err)
	}
	if s.cfg.Timeout < 30*time.Second {
		t.Errorf("default timeout %v, want at least 30s", s.cfg.Timeout)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no SID", Config{AuthToken: testToken, From: "+15550001111"}, "DUEHUB_TWILIO_ACCOUNT_SID"},
		{"SID with a dash", Config{AccountSID: "AC-123", AuthToken: testToken, From: "+15550001111"}, "DUEHUB_TWILIO_ACCOUNT_SID"},
		{"no token", Config{AccountSID: testSID, From: "+15550001111"}, "DUEHUB_TWILIO_AUTH_TOKEN"},
		// The SDK refuses such a token on every send; catch it at start-up.
		{"token with punctuation", Config{AccountSID: testSID, AuthToken: "abc-def", From: "+15550001111"}, "DUEHUB_TWILIO_AUTH_TOKEN"},
		{"no sender", Config{AccountSID: testSID, AuthToken: testToken}, "DUEHUB_TWILIO_FROM"},
		{"bad base URL", Config{AccountSID: testSID, AuthToken: testToken, From: "+15550001111", BaseURL: "localhost:1234"}, "base URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one mentioning %s", err, tt.want)
			}
		})
	}
}

func TestSendIsSafeForConcurrentUse(t *testing.T) {
	f := newFakeTwilio(t)
	s := newSender(t, f.URL, 5*time.Second)
	const n = 20
	errs := make(chan error, n)
	for i := range n {
		go func() {
			m := sms()
			m.To = []string{fmt.Sprintf("+1555123%04d", i)}
			m.Text = m.To[0]
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
		if r.Form.Get("To") != r.Form.Get("Body") {
			t.Errorf("text for %s went to %s", r.Form.Get("Body"), r.Form.Get("To"))
		}
		seen[r.Form.Get("To")] = true
	}
	if len(seen) != n {
		t.Errorf("%d distinct numbers texted, want %d", len(seen), n)
	}
}
