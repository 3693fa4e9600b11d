package bench

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/duehub/duehub/notify"
)

// aggregateSQL is an extra baseline of the digest build: what the database
// takes to read the same open invoices and total them per payer and
// currency.
const aggregateSQL = `
SELECT c.payer_id, i.currency, count(*), sum(i.amount_remaining)
FROM invoices i JOIN customers c ON c.id = i.customer_id
WHERE i.status = 'open' AND i.amount_remaining > 0
GROUP BY c.payer_id, i.currency`

// digestReport is the digest-build figure.
type digestReport struct {
	Considered         int
	Sent               int
	EmailSent, SMSSent int
	Skipped            map[string]int
	Messages           int64
	Bytes              int64
	Duration           time.Duration
	AggRows            int
	AggDuration        time.Duration
	// Busy is the steady API load that ran during the pass.
	Busy latencyReport
}

// aggregate runs aggregateSQL to the last row and returns the row count.
func aggregate(ctx context.Context, db *sql.DB) (int, time.Duration, error) {
	start := time.Now()
	rows, err := db.QueryContext(ctx, aggregateSQL)
	if err != nil {
		return 0, 0, fmt.Errorf("bench: aggregate: %w", err)
	}
	n := 0
	for rows.Next() {
		var payer, count, sum int64
		var currency string
		if err := rows.Scan(&payer, &currency, &count, &sum); err != nil {
			rows.Close()
			return 0, 0, fmt.Errorf("bench: aggregate: %w", err)
		}
		n++
	}
	rows.Close()
	return n, time.Since(start), rows.Err()
}

// buildDigests runs one bundler pass (`duehub digests run`: plan, then build,
// render and send every due digest in turn) as of now, when every payer is
// due, to senders that discard, while busy is requested at busyRate per
// second (the API's latency during a pass). The aggregate runs first, once
// to warm the cache as the pass would find it and once timed.
func buildDigests(ctx context.Context, h Hub, s *server, now time.Time, busy vegeta.Targeter, busyRate int) (digestReport, error) {
	var rep digestReport
	if _, _, err := aggregate(ctx, h.DB.SQL); err != nil {
		return rep, err
	}
	var err error
	if rep.AggRows, rep.AggDuration, err = aggregate(ctx, h.DB.SQL); err != nil {
		return rep, err
	}
	d := &discard{}
	r := h.runner(s, map[notify.Channel]notify.Sender{notify.Email: d, notify.SMS: d}, func() time.Time { return now })
	var start time.Time
	rep.Busy = attackWhile("api-during-pass", busy, busyRate, func() {
		start = time.Now()
		run, runErr := r.RunOnce(ctx)
		rep.Duration = time.Since(start)
		if runErr != nil {
			err = fmt.Errorf("bench: digest pass: %w", runErr)
			return
		}
		rep.Considered, rep.Sent, rep.Skipped = run.Considered, run.Sent(), run.Skipped
		if c, ok := run.Channels[string(notify.Email)]; ok {
			rep.EmailSent = c.Sent
		} else {
			err = fmt.Errorf("bench: the digest pass planned no email channel")
		}
		if c, ok := run.Channels[string(notify.SMS)]; ok {
			rep.SMSSent = c.Sent
		}
	})
	if err != nil {
		return rep, err
	}
	rep.Messages, rep.Bytes = d.messages.Load(), d.bytes.Load()
	if rep.Sent == 0 || rep.Considered == 0 {
		return rep, fmt.Errorf("bench: the digest pass sent nothing (considered %d, skipped %v)", rep.Considered, rep.Skipped)
	}
	return rep, nil
}
