package smtp

import (
	"context"
	"errors"
	"fmt"
	"net/textproto"
	"strconv"
	"strings"

	"github.com/duehub/duehub/notify"
)

var errStartTLSUnavailable = errors.New("server does not offer STARTTLS and the configuration requires it")

// classify maps an SMTP failure at a stage of the conversation to a
// notify.Error: 4xx replies are transient, 5xx permanent, and a 5xx refusal
// of one recipient suppresses that address.
func classify(ctx context.Context, stage, addr string, err error) error {
	wrapped := fmt.Errorf("smtp: %s: %w", stage, err)
	if errors.Is(err, errStartTLSUnavailable) {
		// A server problem, not a message problem: retry once it is fixed.
		return &notify.Error{Code: "starttls_unavailable", Err: wrapped}
	}
	var tp *textproto.Error
	if !errors.As(err, &tp) {
		if ctx.Err() != nil {
			return notify.NetworkError(fmt.Errorf("%w (%w)", wrapped, ctx.Err()))
		}
		return notify.NetworkError(wrapped)
	}
	code := strconv.Itoa(tp.Code)
	switch {
	case tp.Code >= 400 && tp.Code < 500:
		return &notify.Error{Code: code, Err: wrapped}
	case tp.Code >= 500 && stage == "rcpt" && badMailbox(tp):
		return &notify.Error{Permanent: true, Suppress: true, Address: addr, Code: code, Err: wrapped}
	case tp.Code >= 500:
		return &notify.Error{Permanent: true, Code: code, Err: wrapped}
	}
	// Any other code where an error was expected: the server is confused.
	return &notify.Error{Code: code, Err: wrapped}
}

// badMailbox tells "this address does not exist" from other refusals of a
// recipient. 550 also means "relaying denied" (5.7.1), which is our
// configuration and must not suppress the payer, so an enhanced status code
// (RFC 3463) decides when the server sends one.
func badMailbox(tp *textproto.Error) bool {
	if class, ok := enhancedStatus(tp.Msg); ok {
		return strings.HasPrefix(class, "5.1.")
	}
	return tp.Code == 550 || tp.Code == 551 || tp.Code == 553
}

func enhancedStatus(msg string) (string, bool) {
	f, _, _ := strings.Cut(strings.TrimSpace(msg), " ")
	parts := strings.Split(f, ".")
	if len(parts) != 3 || (parts[0] != "2" && parts[0] != "4" && parts[0] != "5") {
		return "", false
	}
	for _, p := range parts[1:] {
		if _, err := strconv.Atoi(p); err != nil || p == "" {
			return "", false
		}
	}
	return f, true
}
