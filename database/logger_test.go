package database

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// The statement log keeps what an operator must see (a failing or slow
// statement) and leaves out what the caller handles: a canceled request
// and a deadlock the push retries.
func TestStatementLog(t *testing.T) {
	cases := []struct {
		name   string
		err    error
		took   time.Duration
		logged bool
	}{
		{"failed", errors.New("relation \"invoices\" does not exist"), 0, true},
		{"slow", nil, 2 * slowQuery, true},
		{"fast", nil, 0, false},
		{"canceled", fmt.Errorf("upsert: %w", context.Canceled), 0, false},
		{"past its deadline", context.DeadlineExceeded, 0, false},
		{"deadlock", &pgconn.PgError{Code: "40P01", Message: "deadlock detected"}, 0, false},
		{"serialization", &pgconn.PgError{Code: "40001"}, 0, false},
		{"unique violation", &pgconn.PgError{Code: "23505"}, 0, true},
	}
	for _, c := range cases {
		var out bytes.Buffer
		l := gormLogger(slog.New(slog.NewJSONHandler(&out, nil)))
		l.Trace(context.Background(), time.Now().Add(-c.took), func() (string, int64) { return "SELECT 1", 0 }, c.err)
		if got := strings.Contains(out.String(), "SELECT 1"); got != c.logged {
			t.Errorf("%s: statement logged %v, want %v: %s", c.name, got, c.logged, out.String())
		}
	}
}
