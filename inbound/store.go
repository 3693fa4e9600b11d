package inbound

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Statuses of an inbound reply.
const (
	StatusReceived = "received" // claimed, being routed
	StatusRouted   = "routed"   // in its thread(s)
	StatusHeld     = "held"     // waiting for the payer to choose
	StatusRejected = "rejected" // refused: no live token, not a member, …
	StatusIgnored  = "ignored"  // an auto-reply or our own message
)

// ErrNotFound means no reply of that payer has that id.
var ErrNotFound = errors.New("inbound: reply not found")

// Reply is one inbound reply, kept whatever became of it.
type Reply struct {
	ID        int64
	MessageID string
	Source    string // sendgrid | smtp
	Token     string
	PayerID   *int64
	DigestID  *int64
	FromAddr  string
	Subject   string
	Body      string
	Status    string
	Reason    string
	SPF       string `gorm:"column:spf"`
	DKIM      string `gorm:"column:dkim"`
	ThreadIDs string
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (Reply) TableName() string { return "inbound_replies" }

// Threads returns the ids of the threads the reply went into.
func (r Reply) Threads() []int64 {
	var ids []int64
	for _, f := range strings.Split(r.ThreadIDs, ",") {
		if id, err := strconv.ParseInt(f, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// Store keeps reply tokens and inbound replies.
type Store struct {
	db     *gorm.DB
	secret []byte
	domain string
	now    func() time.Time
}

// NewStore returns a Store. domain is DUEHUB_INBOUND_DOMAIN ("" turns
// reply addresses off); secret keys the tokens.
func NewStore(db *gorm.DB, secret, domain string, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, secret: []byte(secret), domain: strings.ToLower(strings.TrimSpace(domain)), now: now}
}

// Domain is the inbound domain.
func (s *Store) Domain() string { return s.domain }

// staleClaim is how long a received reply may stay undecided before a new
// delivery of it takes it over.
const staleClaim = 10 * time.Minute

// claim stores r as received; false when a reply with its message id was
// stored before (a duplicate delivery).
func (s *Store) claim(ctx context.Context, r *Reply) (bool, error) {
	now := s.now().UTC().Truncate(time.Microsecond)
	r.Status, r.CreatedAt, r.UpdatedAt = StatusReceived, now, now
	res := s.db.WithContext(ctx).Exec(`INSERT INTO inbound_replies
(message_id, source, token, from_addr, subject, body, status, spf, dkim, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING`,
		r.MessageID, r.Source, r.Token, r.FromAddr, r.Subject, r.Body, r.Status, r.SPF, r.DKIM, now, now)
	if res.Error != nil {
		return false, fmt.Errorf("inbound: claim reply: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		// A reply claimed by a process that died before deciding it is
		// taken over when the sender delivers it again, so it is not lost.
		res = s.db.WithContext(ctx).Exec(`UPDATE inbound_replies SET updated_at = ?, source = ?, token = ?, from_addr = ?, subject = ?, body = ?, spf = ?, dkim = ?
WHERE message_id = ? AND status = ? AND updated_at < ?`,
			now, r.Source, r.Token, r.FromAddr, r.Subject, r.Body, r.SPF, r.DKIM, r.MessageID, StatusReceived, now.Add(-staleClaim))
		if res.Error != nil {
			return false, fmt.Errorf("inbound: claim reply: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return false, nil
		}
	}
	if err := s.db.WithContext(ctx).Model(&Reply{}).Where("message_id = ?", r.MessageID).Select("id").Scan(&r.ID).Error; err != nil {
		return false, fmt.Errorf("inbound: claim reply: %w", err)
	}
	return true, nil
}

// finish records what became of a claimed reply.
func (s *Store) finish(ctx context.Context, r *Reply) error {
	r.UpdatedAt = s.now().UTC().Truncate(time.Microsecond)
	err := s.db.WithContext(ctx).Model(&Reply{}).Where("id = ?", r.ID).Updates(map[string]any{
		"status": r.Status, "reason": r.Reason, "payer_id": r.PayerID, "digest_id": r.DigestID,
		"thread_ids": r.ThreadIDs, "updated_at": r.UpdatedAt,
	}).Error
	if err != nil {
		return fmt.Errorf("inbound: finish reply %d: %w", r.ID, err)
	}
	return nil
}

// Held returns the payer's held replies, newest first.
func (s *Store) Held(ctx context.Context, payerID int64) ([]Reply, error) {
	var rs []Reply
	err := s.db.WithContext(ctx).Where("payer_id = ? AND status = ?", payerID, StatusHeld).Order("id DESC").Limit(100).Find(&rs).Error
	if err != nil {
		return nil, fmt.Errorf("inbound: held replies: %w", err)
	}
	return rs, nil
}

// heldReply returns one of the payer's held replies.
func (s *Store) heldReply(ctx context.Context, payerID, id int64) (Reply, error) {
	var rs []Reply
	err := s.db.WithContext(ctx).Where("id = ? AND payer_id = ? AND status = ?", id, payerID, StatusHeld).Limit(1).Find(&rs).Error
	if err != nil {
		return Reply{}, fmt.Errorf("inbound: held reply: %w", err)
	}
	if len(rs) == 0 {
		return Reply{}, ErrNotFound
	}
	return rs[0], nil
}

// Get returns any reply by id (operator and tests).
func (s *Store) Get(ctx context.Context, id int64) (Reply, error) {
	var r Reply
	if err := s.db.WithContext(ctx).Take(&r, id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return Reply{}, ErrNotFound
		}
		return Reply{}, fmt.Errorf("inbound: reply: %w", err)
	}
	return r, nil
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ",")
}

// takeHeld moves a held reply to received, once: a second click finds it
// gone.
func (s *Store) takeHeld(ctx context.Context, payerID, id int64) (bool, error) {
	res := s.db.WithContext(ctx).Exec(`UPDATE inbound_replies SET status = ?, updated_at = ? WHERE id = ? AND payer_id = ? AND status = ?`,
		StatusReceived, s.now().UTC().Truncate(time.Microsecond), id, payerID, StatusHeld)
	if res.Error != nil {
		return false, fmt.Errorf("inbound: take held reply: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}
