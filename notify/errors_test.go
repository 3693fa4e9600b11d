package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"
)

func TestErrorHelpers(t *testing.T) {
	base := errors.New("boom")
	tests := []struct {
		name      string
		err       error
		permanent bool
		suppress  bool
		retry     time.Duration
	}{
		{"unclassified", base, false, false, 0},
		{"transient", &Error{Code: "500", Err: base}, false, false, 0},
		{"rate limited", &Error{Code: "429", RetryAfter: 7 * time.Second}, false, false, 7 * time.Second},
		{"permanent", &Error{Permanent: true, Code: "400"}, true, false, 0},
		{"suppress implies permanent", &Error{Suppress: true, Code: "21610"}, true, true, 0},
		{"wrapped", fmt.Errorf("deliver: %w", &Error{Permanent: true, Suppress: true}), true, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsPermanent(tt.err); got != tt.permanent {
				t.Errorf("IsPermanent = %v, want %v", got, tt.permanent)
			}
			if got := ShouldSuppress(tt.err); got != tt.suppress {
				t.Errorf("ShouldSuppress = %v, want %v", got, tt.suppress)
			}
			d, ok := RetryAfter(tt.err)
			if d != tt.retry || ok != (tt.retry > 0) {
				t.Errorf("RetryAfter = %v, %v; want %v", d, ok, tt.retry)
			}
		})
	}
	if e := (&Error{Err: base}); !errors.Is(e, base) {
		t.Error("Error does not unwrap to its cause")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   string
		want time.Duration
		ok   bool
	}{
		{"seconds", "7", 7 * time.Second, true},
		{"seconds with spaces", " 120 ", 2 * time.Minute, true},
		{"zero", "0", 0, true},
		{"seconds at the cap", "3600", MaxRetryAfter, true},
		{"seconds above the cap", "99999999", MaxRetryAfter, true},
		{"seconds beyond int64", "99999999999999999999", 0, false},
		{"date", "Fri, 20 Nov 2026 09:00:30 GMT", 30 * time.Second, true},
		{"date in the past: retry now", "Fri, 20 Nov 2026 08:59:00 GMT", 0, true},
		{"date in RFC 850 form", "Friday, 20-Nov-26 09:05:00 GMT", 5 * time.Minute, true},
		{"date tomorrow", "Sat, 21 Nov 2026 09:00:00 GMT", MaxRetryAfter, true},
		{"date in 2200", "Mon, 01 Jan 2200 00:00:00 GMT", MaxRetryAfter, true},
		{"date in year 9999", "Fri, 31 Dec 9999 23:59:59 GMT", MaxRetryAfter, true},
		{"empty", "", 0, false},
		{"negative", "-3", 0, false},
		{"garbage", "soon", 0, false},
		{"fraction", "1.5", 0, false},
		{"date without zone", "2026-11-20T09:00:30", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseRetryAfter(tt.in, now)
			if got != tt.want || ok != tt.ok {
				t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestWithDeadline: a send that ignores nothing but its context is cut at
// the deadline, and a quick one passes through untouched.
func TestWithDeadline(t *testing.T) {
	hang := senderFunc(func(ctx context.Context, m Message) (Result, error) {
		<-ctx.Done()
		return Result{}, NetworkError(ctx.Err())
	})
	start := time.Now()
	_, err := WithDeadline(hang, 50*time.Millisecond).Send(context.Background(), Message{})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("hanging send returned %v after %v, want a deadline error after 50ms", err, time.Since(start))
	}
	quick := senderFunc(func(ctx context.Context, m Message) (Result, error) { return Result{ProviderID: m.ID}, nil })
	if res, err := WithDeadline(quick, time.Second).Send(context.Background(), Message{ID: "x"}); err != nil || res.ProviderID != "x" {
		t.Fatalf("quick send: %v, %v", res, err)
	}
	if WithDeadline(nil, time.Second) != nil {
		t.Fatal("a missing sender became a non-nil one")
	}
}

type senderFunc func(context.Context, Message) (Result, error)

func (f senderFunc) Send(ctx context.Context, m Message) (Result, error) { return f(ctx, m) }

func TestNetworkError(t *testing.T) {
	tests := []struct {
		err  error
		code string
	}{
		{fmt.Errorf("post: %w", context.DeadlineExceeded), "timeout"},
		{&net.OpError{Op: "dial", Err: timeoutErr{}}, "timeout"},
		{fmt.Errorf("post: %w", context.Canceled), "canceled"},
		{errors.New("connection refused"), "network"},
	}
	for _, tt := range tests {
		e := NetworkError(tt.err)
		if e.Code != tt.code || e.Permanent || !errors.Is(e, tt.err) {
			t.Errorf("NetworkError(%v) = %+v, want transient %q", tt.err, e, tt.code)
		}
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string { return "i/o timeout" }
func (timeoutErr) Timeout() bool { return true }
