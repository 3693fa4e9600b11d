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
	var rows []struct {
		Queue  string
		State  string
		Jobs   int64
		Oldest any
	}
	err := db.WithContext(ctx).Raw(`SELECT queue, state, COUNT(*) AS jobs, MIN(scheduled_at) AS oldest
FROM river_job WHERE state <> 'completed' GROUP BY queue, state ORDER BY queue, state`).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("console: queues: %w", err)
	}
	out := make([]QueueState, 0, len(rows))
	for _, r := range rows {
		q := QueueState{Queue: r.Queue, State: r.State, Jobs: r.Jobs}
		if t, ok := anyTime(r.Oldest); ok && now.After(t) {
			q.OldestAge = now.Sub(t)
		}
		out = append(out, q)
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
