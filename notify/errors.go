package notify

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Error is a classified delivery failure. The zero classification (not
// Permanent) means "try again later": most provider hiccups are transient, and
// retrying a transient failure is cheaper than losing a reminder.
type Error struct {
	// Permanent means the same message will fail the same way again.
	Permanent bool
	// Suppress means Address must never be tried again (invalid address, SMS
	// STOP, number that cannot receive SMS). It implies Permanent, and is set
	// only when the failing recipient is known: the caller suppresses that one
	// address and may resend to the rest of the team.
	Suppress bool
	// Address is the recipient that failed, when known.
	Address string
	// RetryAfter is how long the provider asked us to wait; zero when it did
	// not say.
	RetryAfter time.Duration
	// Code is the provider's code (HTTP status, SMTP reply, Twilio error
	// code), kept for logs and the send log.
	Code string
	Err  error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("notify: ")
	switch {
	case e.Suppress:
		b.WriteString("permanent, suppress")
	case e.Permanent:
		b.WriteString("permanent")
	default:
		b.WriteString("transient")
	}
	if e.Code != "" {
		b.WriteString(" (" + e.Code + ")")
	}
	if e.Address != "" {
		b.WriteString(" for " + e.Address)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// IsPermanent reports whether err is a classified failure that retrying will
// not fix. Unclassified errors are not permanent: the caller retries them.
func IsPermanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && (e.Permanent || e.Suppress)
}

// ShouldSuppress reports whether the recipient of the failed message must
// never be tried again.
func ShouldSuppress(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Suppress
}

// RetryAfter returns the wait the provider asked for, if it asked.
func RetryAfter(err error) (time.Duration, bool) {
	var e *Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		return e.RetryAfter, true
	}
	return 0, false
}

// MaxRetryAfter caps any wait a provider asks for. A 429 naming a date
// centuries away must not park a digest for good: after an hour the send is
// simply tried again, and a provider still limiting says so once more.
const MaxRetryAfter = time.Hour

// ParseRetryAfter reads an HTTP Retry-After value, either delay-seconds or an
// HTTP-date (RFC 9110 §10.2.3), capped at MaxRetryAfter. A date in the past
// means "now", reported as zero wait and ok.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		// Compare in seconds: a huge value would overflow a Duration.
		if secs > int64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter, true
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	// Sub saturates at the largest Duration, so a far date cannot overflow.
	return min(max(t.Sub(now), 0), MaxRetryAfter), true
}

// NetworkError classifies a failure to talk to the provider at all
// (refused, reset, timed out, cancelled) as transient. A timeout is ambiguous
// (the provider may have accepted the message before we stopped waiting), so
// a retry can, rarely, deliver twice; the send log is where that shows.
func NetworkError(err error) *Error {
	code := "network"
	var te interface{ Timeout() bool }
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &te) && te.Timeout():
		code = "timeout"
	case errors.Is(err, context.Canceled):
		code = "canceled"
	}
	return &Error{Code: code, Err: err}
}
