package bundler

import (
	"context"
)

// Outcomes of Send.
const (
	OutcomeSent    = "sent"
	OutcomeSkipped = "skipped" // another worker has it, or it is already settled
	OutcomeExpired = "expired"
	OutcomeEmpty   = "empty"
	OutcomeFailed  = "failed" // permanent: will not be retried
	OutcomeRetry   = "retry"  // transient: the returned error says when
)

// Send delivers one ledger row: a batch of one (see SendBatch). The row is
// claimed first, so two workers never both send it; the digest is built
// from live state now, not from the state when it was planned. A transient
// failure returns the row to pending and returns the provider error (with
// notify.RetryAfter) so the caller can retry it later.
func (r *Runner) Send(ctx context.Context, digestID int64) (string, error) {
	res, err := r.SendBatch(ctx, []int64{digestID})
	if res[0].Err != nil {
		return res[0].Outcome, res[0].Err
	}
	return res[0].Outcome, err
}
