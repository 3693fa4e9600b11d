package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/duehub/duehub/notify"
)

// ErrNotFound means no stored message has that id.
var ErrNotFound = errors.New("outbox: message not found")

// Message is one stored message as the outbox shows it.
type Message struct {
	ID        int64
	Channel   notify.Channel
	MessageID string // notify.Message.ID, our opaque message row id
	To        []string
	CC        []string
	BCC       []string
	Subject   string
	Text      string
	HTML      string
	Headers   map[string]string
	CreatedAt time.Time
}

// row is the outbox_messages table; address lists and headers are JSON text
// so that one schema works on SQLite and PostgreSQL alike.
type row struct {
	ID        int64
	Channel   string
	MessageID string
	ToAddrs   string
	CcAddrs   string
	BccAddrs  string
	Subject   string
	TextBody  string
	HTMLBody  string `gorm:"column:html_body"`
	Headers   string
	CreatedAt time.Time
}

func (row) TableName() string { return "outbox_messages" }

// Store keeps and reads outbox messages. It is safe for concurrent use.
type Store struct {
	db  *gorm.DB
	now func() time.Time
}

// New returns a Store. now is the clock (time.Now in production).
func New(db *gorm.DB, now func() time.Time) *Store {
	return &Store{db: db, now: now}
}

var _ notify.Sender = (*Store)(nil)

// Send stores m. It refuses what a real provider would refuse for good (an
// unknown channel, no recipient) so that callers see the same classification
// in development as in production.
func (s *Store) Send(ctx context.Context, m notify.Message) (notify.Result, error) {
	if m.Channel != notify.Email && m.Channel != notify.SMS {
		return notify.Result{}, &notify.Error{Permanent: true, Code: "invalid_channel",
			Err: fmt.Errorf("outbox: unknown channel %q", m.Channel)}
	}
	if len(m.To) == 0 {
		return notify.Result{}, &notify.Error{Permanent: true, Code: "no_recipient",
			Err: errors.New("outbox: message has no To recipient")}
	}
	if m.ReplyTo != "" {
		// Kept with the headers, as the real providers send it: the outbox
		// shows where a reply would go.
		h := make(map[string]string, len(m.Headers)+1)
		for k, v := range m.Headers {
			h[k] = v
		}
		h["Reply-To"] = m.ReplyTo
		m.Headers = h
	}
	r := row{
		Channel:   string(m.Channel),
		MessageID: m.ID,
		ToAddrs:   jsonText(m.To, "[]"),
		CcAddrs:   jsonText(m.CC, "[]"),
		BccAddrs:  jsonText(m.BCC, "[]"),
		Subject:   m.Subject,
		TextBody:  m.Text,
		HTMLBody:  m.HTML,
		Headers:   jsonText(m.Headers, "{}"),
		CreatedAt: s.now().UTC().Truncate(time.Microsecond),
	}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		return notify.Result{}, fmt.Errorf("outbox: store message: %w", err)
	}
	return notify.Result{ProviderID: "outbox-" + strconv.FormatInt(r.ID, 10)}, nil
}

// List returns at most limit messages, newest first. A limit of zero or less
// returns them all.
func (s *Store) List(ctx context.Context, limit int) ([]Message, error) {
	var rows []row
	q := s.db.WithContext(ctx).Order("created_at DESC").Order("id DESC")
	if limit > 0 {
		q = q.Limit(limit)
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("outbox: list: %w", err)
	}
	out := make([]Message, len(rows))
	for i, r := range rows {
		m, err := r.message()
		if err != nil {
			return nil, err
		}
		out[i] = m
	}
	return out, nil
}

// Get returns one message, or ErrNotFound.
func (s *Store) Get(ctx context.Context, id int64) (Message, error) {
	var r row
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Message{}, ErrNotFound
	}
	if err != nil {
		return Message{}, fmt.Errorf("outbox: get: %w", err)
	}
	return r.message()
}

func (r row) message() (Message, error) {
	m := Message{
		ID:        r.ID,
		Channel:   notify.Channel(r.Channel),
		MessageID: r.MessageID,
		To:        []string{},
		CC:        []string{},
		BCC:       []string{},
		Subject:   r.Subject,
		Text:      r.TextBody,
		HTML:      r.HTMLBody,
		Headers:   map[string]string{},
		CreatedAt: r.CreatedAt.UTC(),
	}
	for _, f := range []struct {
		raw string
		to  any
	}{{r.ToAddrs, &m.To}, {r.CcAddrs, &m.CC}, {r.BccAddrs, &m.BCC}, {r.Headers, &m.Headers}} {
		if f.raw == "" {
			continue
		}
		if err := json.Unmarshal([]byte(f.raw), f.to); err != nil {
			return Message{}, fmt.Errorf("outbox: message %d: %w", r.ID, err)
		}
	}
	// A stored "null" decodes to nil; callers (and JSON) get empty values instead.
	if m.To == nil {
		m.To = []string{}
	}
	if m.CC == nil {
		m.CC = []string{}
	}
	if m.BCC == nil {
		m.BCC = []string{}
	}
	if m.Headers == nil {
		m.Headers = map[string]string{}
	}
	return m, nil
}

// jsonText encodes a list or a map, or returns empty for a nil one.
func jsonText(v any, empty string) string {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return empty
	}
	return string(b)
}
