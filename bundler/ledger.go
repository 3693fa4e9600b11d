package bundler

import (
	"context"
	"fmt"
	"time"

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
	ID      int64
	PayerID int64
	Channel string
	Slot    time.Time
	// Kind is KindRegular or KindUrgent.
	Kind       string `gorm:"default:regular"`
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

// Pending returns the ids of ledger rows waiting to be sent, oldest first.
// Rows left "sending" for longer than stuckAfter (a process died mid-send)
// are returned to pending first.
func (r *Runner) Pending(ctx context.Context, stuckAfter time.Duration) ([]int64, error) {
	if _, err := r.rescue(ctx, stuckAfter); err != nil {
		return nil, err
	}
	var ids []int64
	if err := r.cfg.DB.WithContext(ctx).Model(&Entry{}).Where("status = ?", StatusPending).Order("id").Pluck("id", &ids).Error; err != nil {
		return nil, fmt.Errorf("bundler: pending digests: %w", err)
	}
	return ids, nil
}

// rescue returns rows "sending" for longer than stuckAfter to pending and
// names them. The claim set updated_at before the send began, so the age is
// that of the attempt; two processes rescuing at once each get the rows
// their own UPDATE changed.
func (r *Runner) rescue(ctx context.Context, stuckAfter time.Duration) ([]PendingEntry, error) {
	now := r.now()
	var rows []Entry
	err := r.cfg.DB.WithContext(ctx).Model(&rows).
		Clauses(clause.Returning{Columns: []clause.Column{{Name: "id"}, {Name: "channel"}}}).
		Where("status = ? AND updated_at < ?", StatusSending, now.Add(-stuckAfter)).
		Updates(map[string]any{"status": StatusPending, "updated_at": now}).Error
	if err != nil {
		return nil, fmt.Errorf("bundler: rescue stuck digests: %w", err)
	}
	out := make([]PendingEntry, len(rows))
	for i, e := range rows {
		out[i] = PendingEntry{ID: e.ID, Channel: e.Channel}
	}
	if len(out) > 0 {
		r.cfg.Log.Warn("digests abandoned mid-send offered again", "count", len(out))
	}
	return out, nil
}

func (r *Runner) now() time.Time { return r.cfg.Now().UTC().Truncate(time.Microsecond) }

func (r *Runner) sender(ch string) notify.Sender { return r.cfg.Senders[notify.Channel(ch)] }
