package bundler

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/duehub/duehub/database"
)

// PlanRecheck is the furthest ahead a payer's next_plan_at is set: every
// payer is decided again at least this often, whatever its schedule says.
// The triggers that reset next_plan_at cover every write the decision
// depends on; the recheck is for what they cannot see (a new release with
// other rules, a changed tz database, channels turned on at a restart).
// An hour keeps such a miss well inside the 24 h a slot stays sendable
// (DefaultStaleAfter), so it can delay a reminder, never lose it, and still
// makes the minute pass read about a sixtieth of the payers it used to.
const PlanRecheck = time.Hour

// planSpread staggers the recheck by payer (up to 15 minutes earlier), so
// that payers first planned in one pass do not all come back in one pass.
const planSpread = 15

// nextPlanAt is the earliest instant after now at which the decision for a
// payer, as made at now, could change with no change of state: the
// decision reads the clock only through these instants. Any of them may be
// early (an extra decision costs little); none may be late.
//   - the next send window (a new slot);
//   - the current slot growing stale (StaleAfter after it);
//   - payer-local midnight ("today": reminder points and the horizon);
//   - the end of a pause;
//   - the end of a hold on one of the payer's open invoices;
//   - 08:00 and 21:00 payer-local when SMS is planned (quiet hours);
//   - with "due now" messages (urgent), the payer's send time today and
//     tomorrow, and today's growing stale;
//   - PlanRecheck from now, staggered by payer.
func nextPlanAt(now time.Time, sched Schedule, payerID int64, pausedUntil *time.Time, holdEnds []time.Time, sms, urgent bool, stale time.Duration) time.Time {
	next := recheckAt(now, payerID)
	earlier := func(t time.Time) {
		if t.After(now) && t.Before(next) {
			next = t
		}
	}
	if w, ok := sched.NextWindow(now); ok {
		earlier(w)
	}
	if slot, ok := sched.CurrentWindow(now); ok {
		earlier(slot.Add(stale))
	}
	loc := sched.loc()
	today := sched.LocalDate(now)
	earlier(wallClock(today.AddDays(1), 0, 0, loc))
	if pausedUntil != nil {
		earlier(*pausedUntil)
	}
	for _, t := range holdEnds {
		earlier(t)
	}
	if sms {
		earlier(wallClock(today, SMSFromHour, 0, loc))
		earlier(wallClock(today, SMSUntilHour, 0, loc))
	}
	if urgent {
		at := wallClock(today, sched.Hour, sched.Minute, loc)
		earlier(at)
		earlier(at.Add(stale))
		earlier(wallClock(today.AddDays(1), sched.Hour, sched.Minute, loc))
	}
	return next.UTC()
}

// recheckAt is the latest a payer is decided again: PlanRecheck after now,
// less its stagger.
func recheckAt(now time.Time, payerID int64) time.Time {
	return now.Add(PlanRecheck - time.Duration(payerID%planSpread)*time.Minute).UTC()
}

// nextPlan is the instant a payer is to be decided again, and the plan_epoch
// its decision was made on.
type nextPlan struct {
	payerID int64
	at      time.Time
	epoch   int64
}

// applyInvalidations resets next_plan_at of every payer whose planning
// inputs changed since the last pass (the triggers of migration 00014 list
// them in plan_invalidations) and empties the list, in one transaction.
// Changes committed after it are seen by the next pass; bumping plan_epoch
// keeps a planner that read these payers earlier from writing an instant
// decided on what it read.
func (r *Runner) applyInvalidations(ctx context.Context) (int64, error) {
	var n int64
	err := r.cfg.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if tx.Dialector.Name() == "postgres" {
			// Exactly the rows deleted, locking payers in id order like
			// writeNextPlans, so two planners cannot deadlock on them.
			res := tx.Exec(`WITH done AS (DELETE FROM plan_invalidations RETURNING payer_id),
				locked AS (SELECT id FROM payers WHERE id IN (SELECT payer_id FROM done) ORDER BY id FOR UPDATE)
				UPDATE payers SET next_plan_at = NULL, plan_epoch = plan_epoch + 1 WHERE id IN (SELECT id FROM locked)`)
			n = res.RowsAffected
			return res.Error
		}
		// SQLite has one writer: nothing is added between the two statements.
		res := tx.Exec(`UPDATE payers SET next_plan_at = NULL, plan_epoch = plan_epoch + 1
			WHERE id IN (SELECT payer_id FROM plan_invalidations)`)
		if res.Error != nil {
			return res.Error
		}
		n = res.RowsAffected
		return tx.Exec(`DELETE FROM plan_invalidations`).Error
	})
	if err != nil {
		return 0, fmt.Errorf("bundler: apply plan invalidations: %w", err)
	}
	return n, nil
}

// commitChunk reserves a chunk's ledger rows and records when each of its
// payers is to be decided again, in one transaction: a crash between the
// two cannot leave a payer scheduled past a slot it was never reserved.
// Rows whose slot is already in the ledger are left alone; n counts the new
// ones. The caller must hold no open cursor (see Plan).
func (r *Runner) commitChunk(ctx context.Context, entries []Entry, next []nextPlan) (n int64, err error) {
	if len(entries) == 0 && len(next) == 0 {
		return 0, nil
	}
	err = r.cfg.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		batch := database.RowsPerStatementOf(tx, &Entry{})
		if len(entries) > 0 {
			res := tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(&entries, batch)
			if res.Error != nil {
				return fmt.Errorf("reserve slots: %w", res.Error)
			}
			n = res.RowsAffected
		}
		for len(next) > 0 {
			k := min(batch, len(next))
			if err := writeNextPlans(tx, next[:k]); err != nil {
				return fmt.Errorf("next plan: %w", err)
			}
			next = next[k:]
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("bundler: %w", err)
	}
	return n, nil
}

// writeNextPlans sets next_plan_at of each payer in one statement, only
// where plan_epoch is still the one the decision was made on: a payer reset
// meanwhile stays due for the next pass.
func writeNextPlans(tx *gorm.DB, next []nextPlan) error {
	if len(next) == 0 {
		return nil
	}
	pg := tx.Dialector.Name() == "postgres"
	var sql strings.Builder
	args := make([]any, 0, 3*len(next))
	ids := make([]int64, len(next))
	for i, p := range next {
		ids[i] = p.payerID
		switch {
		case i > 0:
			sql.WriteString(", (?, ?, ?)")
		case pg:
			sql.WriteString("(CAST(? AS BIGINT), CAST(? AS TIMESTAMPTZ), CAST(? AS BIGINT))")
		default:
			sql.WriteString("(?, ?, ?)")
		}
		args = append(args, p.payerID, p.at.UTC(), p.epoch)
	}
	if pg {
		// Lock in id order, as applyInvalidations does.
		if err := tx.Exec(`SELECT id FROM payers WHERE id IN ? ORDER BY id FOR UPDATE`, ids).Error; err != nil {
			return err
		}
		return tx.Exec(`UPDATE payers SET next_plan_at = v.at FROM (VALUES `+sql.String()+`) AS v (id, at, epoch)
			WHERE payers.id = v.id AND payers.plan_epoch = v.epoch`, args...).Error
	}
	return tx.Exec(`UPDATE payers SET next_plan_at = v.column2 FROM (VALUES `+sql.String()+`) AS v
		WHERE payers.id = v.column1 AND payers.plan_epoch = v.column3`, args...).Error
}
