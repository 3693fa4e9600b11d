package bundler

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/duehub/duehub/vendors"
)

// claimMany moves the pending rows among ids to sending in one statement and
// returns them (in no particular order); rows another worker holds or that
// are settled are left out. With firstOnly it takes only rows never tried (attempts = 0):
// River's batch jobs carry first attempts, and every later attempt is a
// per-digest job that River snoozes for the provider's Retry-After.
//
// RETURNING is in PostgreSQL and in SQLite since 3.35 (the embedded driver
// is newer): the claim and the read are one round trip.
func (r *Runner) claimMany(ctx context.Context, ids []int64, firstOnly bool) ([]Entry, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	now := r.now()
	cond := ""
	if firstOnly {
		cond = " AND attempts = 0"
	}
	var rows []struct {
		ID       int64
		PayerID  int64
		Channel  string
		Slot     sqlTime
		Kind     string
		Attempts int
	}
	db := r.cfg.DB.WithContext(ctx)
	where := `id IN ? AND status = ?` + cond
	if db.Dialector.Name() == "postgres" {
		// Rows another claim is taking right now are skipped, not waited
		// for: they will not be pending when it commits, and two claims of
		// overlapping batches never wait on (or deadlock with) each other.
		// SQLite has one writer: its claims run one after the other.
		where = `id IN (SELECT id FROM digests WHERE ` + where + ` ORDER BY id FOR UPDATE SKIP LOCKED)`
	}
	err := db.Raw(`UPDATE digests SET status = ?, attempts = attempts + 1, updated_at = ?
WHERE `+where+`
RETURNING id, payer_id, channel, slot, kind, attempts`, StatusSending, now, ids, StatusPending).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("bundler: claim digests: %w", err)
	}
	out := make([]Entry, len(rows))
	for i, row := range rows {
		out[i] = Entry{ID: row.ID, PayerID: row.PayerID, Channel: row.Channel, Slot: row.Slot.Time, Kind: row.Kind,
			Status: StatusSending, Attempts: row.Attempts, UpdatedAt: now}
	}
	return out, nil
}

// settlement is the outcome of one claimed row, to be written.
type settlement struct {
	e      Entry
	status string
	// lastError replaces the row's last_error when set.
	lastError *string
	// sent carries what a sent row records.
	sent *sentFields
	// attempt is logged unless its Status is empty.
	attempt Attempt
	events  []vendors.Event
}

type sentFields struct {
	providerID, subject, recipients, invoiceIDs string
}

// settleRows is how many rows one UPDATE of settleMany names (each brings
// 8 parameters).
const settleRows = 500

// settleMany writes the outcomes of claimed rows in one transaction: one
// multi-row UPDATE of the ledger per 500 rows, one multi-row INSERT of the
// attempts, one of the digest.delivered events. A row is updated only while
// it is still this claim's (sending, same attempt number): a row rescued and
// claimed again by another worker meanwhile is theirs to settle.
func (r *Runner) settleMany(ctx context.Context, rows []settlement) error {
	if len(rows) == 0 {
		return nil
	}
	now := r.now()
	var attempts []Attempt
	var events []vendors.Event
	for _, s := range rows {
		if s.attempt.Status != "" {
			a := s.attempt
			a.DigestID, a.Attempt, a.CreatedAt = s.e.ID, s.e.Attempts, now
			attempts = append(attempts, a)
		}
		events = append(events, s.events...)
	}
	return r.cfg.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var updated int64
		for start := 0; start < len(rows); start += settleRows {
			chunk := rows[start:min(start+settleRows, len(rows))]
			sql, args := settleSQL(chunk, now)
			res := tx.Exec(sql, args...)
			if res.Error != nil {
				return fmt.Errorf("bundler: settle digests: %w", res.Error)
			}
			updated += res.RowsAffected
		}
		if updated != int64(len(rows)) {
			r.cfg.Log.Warn("digests settled by another worker meanwhile", "rows", len(rows), "updated", updated)
		}
		if len(attempts) > 0 {
			if err := tx.CreateInBatches(&attempts, 1000).Error; err != nil {
				return fmt.Errorf("bundler: record attempts: %w", err)
			}
		}
		// Through gorm's Create, so that Event's hook gives each its public
		// id; feed positions come later, from the sequencer.
		if len(events) > 0 {
			if err := tx.CreateInBatches(&events, 1000).Error; err != nil {
				return fmt.Errorf("bundler: digest events: %w", err)
			}
		}
		return nil
	})
}

// settleSQL builds the UPDATE … FROM (VALUES …) of rows, valid on both
// PostgreSQL and SQLite (3.33+). A NULL in the values keeps the column as it
// was; the first row's casts type the values on PostgreSQL.
func settleSQL(rows []settlement, now time.Time) (string, []any) {
	var b strings.Builder
	b.WriteString(`UPDATE digests SET status = v.column2, updated_at = ?,
  last_error = COALESCE(v.column4, digests.last_error),
  provider_id = COALESCE(v.column5, digests.provider_id),
  subject = COALESCE(v.column6, digests.subject),
  recipients = COALESCE(v.column7, digests.recipients),
  invoice_ids = COALESCE(v.column8, digests.invoice_ids),
  sent_at = CASE WHEN v.column2 = 'sent' THEN ? ELSE digests.sent_at END
FROM (VALUES `)
	args := make([]any, 0, 2+8*len(rows))
	args = append(args, now, now)
	for i, s := range rows {
		if i == 0 {
			b.WriteString(`(CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS INTEGER), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT))`)
		} else {
			b.WriteString(`, (?, ?, ?, ?, ?, ?, ?, ?)`)
		}
		var provider, subject, recipients, invoiceIDs any
		if s.sent != nil {
			provider, subject, recipients, invoiceIDs = s.sent.providerID, s.sent.subject, s.sent.recipients, s.sent.invoiceIDs
		}
		var lastError any
		if s.lastError != nil {
			lastError = *s.lastError
		}
		args = append(args, s.e.ID, s.status, s.e.Attempts, lastError, provider, subject, recipients, invoiceIDs)
	}
	b.WriteString(`) AS v
WHERE digests.id = v.column1 AND digests.status = 'sending' AND digests.attempts = v.column3`)
	return b.String(), args
}
