package vendors

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/duehub/duehub/database"
)

// pushAttempts is how many times a push's transaction is run when
// PostgreSQL aborts it as a deadlock victim or a serialization failure.
const pushAttempts = 4

// retryAborted runs store, the transaction of one push, again when
// PostgreSQL aborted it for a conflict with a concurrent push. Pushes of
// different vendors create and link the same payers (a payer is billed by
// many vendors), through the payers' key and the one-phone-one-payer index,
// so two concurrent first pushes can each wait for a row the other inserted:
// PostgreSQL then aborts one of them (40P01). The aborted transaction wrote
// nothing, so running it again is safe; results are restored to what they
// were before it, since the transaction fills them in.
func retryAborted(ctx context.Context, results []PushResult, store func() error) error {
	before := append([]PushResult(nil), results...)
	var err error
	for attempt := range pushAttempts {
		if err = store(); err == nil || !database.AbortedByConflict(err) {
			return err
		}
		copy(results, before)
		wait := time.Duration(10<<attempt)*time.Millisecond + rand.N(20*time.Millisecond)
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(wait):
		}
	}
	return err
}
