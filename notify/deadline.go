package notify

import (
	"context"
	"time"
)

// The timeouts of one send nest, each above the one inside it, so that the
// inner one fires first and the outer ones are only backstops:
//
//	ProviderTimeout (30 s) < SendDeadline (40 s) < the send job's timeout
//	(jobs, 50 s) < the ledger's lease on a "sending" row (bundler.StuckAfter).
//
// A timeout is ambiguous (the provider may have accepted the message before
// we stopped waiting) and its retry a likely duplicate, so the provider gets
// long enough to answer: a provider that reads the message and then stalls
// for a dozen seconds must still be heard, not retried.
const (
	// ProviderTimeout bounds one request to a provider: the HTTP client's
	// timeout for SendGrid and Twilio, the whole conversation for SMTP.
	ProviderTimeout = 30 * time.Second
	// SendDeadline bounds one Sender.Send call, whatever the sender does
	// inside it (an SDK that ignores its context, a dev outbox behind a
	// locked database).
	SendDeadline = 40 * time.Second
)

// WithDeadline returns a Sender that bounds every Send of s by d, so that a
// hanging send releases its worker and its ledger row within d.
func WithDeadline(s Sender, d time.Duration) Sender {
	if s == nil || d <= 0 {
		return s
	}
	return deadlineSender{s: s, d: d}
}

type deadlineSender struct {
	s Sender
	d time.Duration
}

func (ds deadlineSender) Send(ctx context.Context, m Message) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, ds.d)
	defer cancel()
	return ds.s.Send(ctx, m)
}
