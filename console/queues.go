package console

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// QueueState is how many River jobs of a queue are in one state, and how
// long the oldest of them has waited since it was due.
type QueueState struct {
	Queue     string
	State     string // River's: available, scheduled, running, retryable, completed, cancelled, discarded
	Jobs      int64
	OldestAge time.Duration
}

// Queues counts River's jobs by queue and state. River keeps its jobs in
// river_job on both drivers; completed jobs are left out (River prunes them).
func (s *Store) Queues(ctx context.Context) ([]QueueState, error) {
	return QueueStates(ctx, s.db, s.now())
}

// QueueStates is Queues for any reader (the metrics collector uses it).
func QueueStates(ctx context.Context, db *gorm.DB, now time.Time) ([]QueueState, error) {
	if !db.WithContext(ctx).Migrator().HasTable("river_job") {
		return nil, nil // River's tables are migrated by `duehub migrate`, not in every test database
	}
	rows, err := db.WithContext(ctx).Raw(`SELECT queue, state, COUNT(*) AS jobs, MIN(scheduled_at) AS oldest
FROM river_job WHERE state <> 'completed' GROUP BY queue, state ORDER BY queue, state`).Rows()
	if err != nil {
		return nil, fmt.Errorf("console: queues: %w", err)
	}
	defer rows.Close()
	var out []QueueState
	for rows.Next() {
		var q QueueState
		var oldest any
		if err := rows.Scan(&q.Queue, &q.State, &q.Jobs, &oldest); err != nil {
			return nil, fmt.Errorf("console: queues: %w", err)
		}
		if t, ok := anyTime(oldest); ok && now.After(t) {
			q.OldestAge = now.Sub(t)
		}
		out = append(out, q)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("console: queues: %w", err)
	}
	return out, nil
}

// anyTime reads a timestamp an aggregate returned: a time on PostgreSQL,
// text on SQLite (where MIN loses the column's declared type).
func anyTime(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, true
	case []byte:
		return anyTime(string(t))
	case string:
		s := strings.TrimSpace(t)
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999Z07:00",
			"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
			if p, err := time.Parse(layout, s); err == nil {
				return p, true
			}
		}
	}
	return time.Time{}, false
}

// Age is OldestAge for people: "3m", "2h5m", "-" when none.
func (q QueueState) Age() string {
	if q.OldestAge <= 0 {
		return "-"
	}
	return q.OldestAge.Round(time.Second).String()
}
