package ratelimit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
)

// Decision is the outcome of one check, with what the RateLimit headers say.
type Decision struct {
	Allowed bool
	Rule    Rule
	// Remaining is how many more requests fit now.
	Remaining int
	// RetryAfter is how long until one more request fits; zero when allowed.
	RetryAfter time.Duration
	// Reset is how long until the whole limit is available again.
	Reset time.Duration
}

// Limiter checks rules against counters kept in the database.
type Limiter struct {
	db        *gorm.DB
	now       func() time.Time
	lastPrune atomic.Int64
}

// pruneEvery bounds how often one process deletes expired rows.
const pruneEvery = time.Minute

// New returns a limiter over the rate_limits table of db; now is the clock.
func New(db *gorm.DB, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{db: db, now: now}
}

// bucket names the row of key under rule r: changing a rule starts afresh.
func bucket(key string, r Rule) string { return key + "|" + r.String() }

// upsert admits one request when it fits and counts it, in one statement,
// so that concurrent checks from any number of processes never admit more
// than the rule allows. C and P are the stored counts shifted to the
// current window (window.shift in SQL).
const upsert = `
INSERT INTO rate_limits (bucket, win, cur, prev, ok, expires_at)
VALUES (@bucket, @win, 1, 0, 1, @expires)
ON CONFLICT (bucket) DO UPDATE SET
  ok = CASE WHEN (` + curSQL + ` + 1) * 1000000 + ` + prevSQL + ` * @weight <= CAST(@limit AS BIGINT) * 1000000 THEN 1 ELSE 0 END,
  cur = ` + curSQL + ` + CASE WHEN (` + curSQL + ` + 1) * 1000000 + ` + prevSQL + ` * @weight <= CAST(@limit AS BIGINT) * 1000000 THEN 1 ELSE 0 END,
  prev = ` + prevSQL + `,
  win = CASE WHEN rate_limits.win > @win THEN rate_limits.win ELSE @win END,
  expires_at = @expires
RETURNING cur, prev, ok`

const (
	curSQL  = `(CASE WHEN rate_limits.win >= @win THEN rate_limits.cur ELSE 0 END)`
	prevSQL = `(CASE WHEN rate_limits.win >= @win THEN rate_limits.prev WHEN rate_limits.win = @win - 1 THEN rate_limits.cur ELSE 0 END)`
)

// Allow counts one request of key against r if it fits, and says whether it
// did. An off rule admits without touching the database.
func (l *Limiter) Allow(ctx context.Context, key string, r Rule) (Decision, error) {
	if r.Off() {
		return Decision{Allowed: true, Rule: r}, nil
	}
	now := l.now()
	w := windowAt(now, r.Window)
	var row struct {
		Cur, Prev int64
		Ok        int
	}
	err := l.db.WithContext(ctx).Raw(upsert,
		sql.Named("bucket", bucket(key, r)), sql.Named("win", w.index), sql.Named("weight", w.weight),
		sql.Named("limit", int64(r.Limit)), sql.Named("expires", w.expiry().UnixMilli()),
	).Scan(&row).Error
	if err != nil {
		return Decision{}, fmt.Errorf("ratelimit: count %s: %w", key, err)
	}
	l.prune(ctx, now)
	return l.decide(now, w, r, counts{cur: row.Cur, prev: row.Prev}, row.Ok == 1), nil
}

// Peek says whether one more request of key would fit, counting nothing.
func (l *Limiter) Peek(ctx context.Context, key string, r Rule) (Decision, error) {
	if r.Off() {
		return Decision{Allowed: true, Rule: r}, nil
	}
	now := l.now()
	w := windowAt(now, r.Window)
	var row struct{ Win, Cur, Prev int64 }
	res := l.db.WithContext(ctx).Raw(`SELECT win, cur, prev FROM rate_limits WHERE bucket = ?`, bucket(key, r)).Scan(&row)
	if res.Error != nil && !errors.Is(res.Error, gorm.ErrRecordNotFound) {
		return Decision{}, fmt.Errorf("ratelimit: read %s: %w", key, res.Error)
	}
	c := counts{}
	if res.RowsAffected > 0 {
		c = w.shift(row.Win, counts{cur: row.Cur, prev: row.Prev})
	}
	return l.decide(now, w, r, c, w.admits(int64(r.Limit), c)), nil
}

func (l *Limiter) decide(now time.Time, w window, r Rule, c counts, allowed bool) Decision {
	d := Decision{Allowed: allowed, Rule: r, Remaining: w.remaining(int64(r.Limit), c), Reset: w.resetAfter(now, c)}
	if !allowed {
		d.RetryAfter = w.retryAfter(now, int64(r.Limit), c)
		if d.RetryAfter <= 0 {
			// A check that lost a race with the window's edge: try again at once.
			d.RetryAfter = time.Millisecond
		}
	}
	return d
}

// prune deletes rows of windows long past, at most once a minute per
// process. A failure only leaves rows for the next prune.
func (l *Limiter) prune(ctx context.Context, now time.Time) {
	last := l.lastPrune.Load()
	if now.UnixNano()-last < int64(pruneEvery) || !l.lastPrune.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	l.db.WithContext(ctx).Exec(`DELETE FROM rate_limits WHERE expires_at < ?`, now.UnixMilli())
}
