package vendors

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/duehub/duehub/database"
)

// TestAbortedPushIsRunAgain: a push PostgreSQL aborted as a deadlock victim
// is run again from the results it started with, and stores; any other
// error is returned at once.
func TestAbortedPushIsRunAgain(t *testing.T) {
	deadlock := fmt.Errorf("vendors: link payers: %w", &pgconn.PgError{Code: "40P01", Message: "deadlock detected"})
	results := []PushResult{{Result: "error"}, {}}
	runs := 0
	err := retryAborted(context.Background(), results, func() error {
		runs++
		if results[1].Result != "" {
			t.Errorf("run %d started from the aborted run's results: %+v", runs, results)
		}
		results[1].Result = "created"
		if runs == 1 {
			return deadlock
		}
		return nil
	})
	if err != nil || runs != 2 || results[0].Result != "error" || results[1].Result != "created" {
		t.Errorf("err %v after %d runs, results %+v", err, runs, results)
	}

	runs = 0
	other := errors.New("vendors: load existing: connection refused")
	if err := retryAborted(context.Background(), results, func() error { runs++; return other }); !errors.Is(err, other) || runs != 1 {
		t.Errorf("another error: %v after %d runs", err, runs)
	}

	runs = 0
	if err := retryAborted(context.Background(), results, func() error { runs++; return deadlock }); !database.AbortedByConflict(err) || runs != pushAttempts {
		t.Errorf("a push aborted every time: %v after %d runs", err, runs)
	}
}
