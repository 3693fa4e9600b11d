package bundler

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/duehub/duehub/notify"
)

// Ledger statuses. A row is written pending before anything is sent; the
// unique (payer, channel, slot) key makes re-running a slot a no-op.
const (
	StatusPending = "pending"
	StatusSending = "sending"
	StatusSent    = "sent"
	StatusFailed  = "failed"
	StatusExpired = "expired"
	StatusEmpty   = "empty" // nothing left to remind of at send time
)

// Entry is one row of the digest ledger.
type Entry struct {
	ID         int64
	PayerID    int64
	Channel    string
	Slot       time.Time
	Status     string
	Recipients string
	Subject    string
	InvoiceIDs string
	ProviderID string
	Attempts   int
	LastError  string
	Delivery   string // provider delivery state: delivered, bounced, …
	CreatedAt  time.Time
	UpdatedAt  time.Time
	SentAt     *time.Time
}

func (Entry) TableName() string { return "digests" }

// Attempt is one try at delivering a digest.
type Attempt struct {
	ID         int64
	DigestID   int64
	Attempt    int
	Status     string // sent | retry | failed
	ProviderID string
	Error      string
	CreatedAt  time.Time
}

func (Attempt) TableName() string { return "delivery_attempts" }

// reserve writes pending ledger rows in one transaction; rows whose slot is
// already in the ledger are left alone. It returns how many rows were new.
// The caller must hold no open cursor (see Plan).
func (r *Runner) reserve(ctx context.Context, entries []Entry) (int64, error) {
	if len(entries) == 0 {
		return 0, nil
	}
	var n int64
	err := r.cfg.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(&entries, 500)
		n = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return 0, fmt.Errorf("bundler: reserve slots: %w", err)
	}
	return n, nil
}

// Pending returns the ids of ledger rows waiting to be sent, oldest first.
// Rows left "sending" for longer than stuckAfter (a process died mid-send)
// are returned to pending first.
func (r *Runner) Pending(ctx context.Context, stuckAfter time.Duration) ([]int64, error) {
	db := r.cfg.DB.WithContext(ctx)
	now := r.now()
	err := db.Model(&Entry{}).Where("status = ? AND updated_at < ?", StatusSending, now.Add(-stuckAfter)).
		Updates(map[string]any{"status": StatusPending, "updated_at": now}).Error
	if err != nil {
		return nil, fmt.Errorf("bundler: rescue stuck digests: %w", err)
	}
	var ids []int64
	if err := db.Model(&Entry{}).Where("status = ?", StatusPending).Order("id").Pluck("id", &ids).Error; err != nil {
		return nil, fmt.Errorf("bundler: pending digests: %w", err)
	}
	return ids, nil
}

func (r *Runner) now() time.Time { return r.cfg.Now().UTC().Truncate(time.Microsecond) }

func (r *Runner) sender(ch string) notify.Sender { return r.cfg.Senders[notify.Channel(ch)] }
