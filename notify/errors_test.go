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
		in   string
		want time.Duration
		ok   bool
	}{
		{"7", 7 * time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"0", 0, true},
		{"Fri, 20 Nov 2026 09:00:30 GMT", 30 * time.Second, true},
		{"Fri, 20 Nov 2026 08:59:00 GMT", 0, true}, // already past: retry now
		{"", 0, false},
		{"-3", 0, false},
		{"soon", 0, false},
		{"99999999", 24 * time.Hour, true},
	}
	for _, tt := range tests {
		got, ok := ParseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

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
