package inbound

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// MaxAttachment is the largest file kept from a reply; a larger one is
// dropped (and counted), the reply itself still routed.
const MaxAttachment = 10 << 20

// maxAttachments bounds the files kept from one reply.
const maxAttachments = 10

// Attachment is a file attached to a reply.
type Attachment struct {
	ID          int64
	ReplyID     int64
	Filename    string
	ContentType string // sniffed from the bytes
	Size        int64
	Data        []byte `gorm:"column:data"`
	CreatedAt   time.Time
}

func (Attachment) TableName() string { return "reply_attachments" }

// readAttachment reads one attached file; ok is false when it is larger than
// MaxAttachment.
func readAttachment(name string, r io.Reader) (Attachment, bool, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxAttachment+1))
	if err != nil {
		return Attachment{}, false, err
	}
	if len(b) > MaxAttachment {
		return Attachment{}, false, nil
	}
	return Attachment{Filename: cleanFilename(name), ContentType: http.DetectContentType(b), Size: int64(len(b)), Data: b}, true, nil
}

// cleanFilename keeps the base name, printable and short; it is shown and
// offered as a download name, never used as a path.
func cleanFilename(name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || r == '"' || r == '/' {
			return -1
		}
		return r
	}, name)
	for utf8.RuneCountInString(name) > 200 {
		name = string([]rune(name)[:200])
	}
	if name == "" || name == "." {
		name = "attachment"
	}
	return name
}

// saveAttachments stores the reply's files.
func (s *Store) saveAttachments(ctx context.Context, replyID int64, files []Attachment) error {
	now := s.now().UTC().Truncate(time.Microsecond)
	for _, f := range files {
		f.ID, f.ReplyID, f.CreatedAt = 0, replyID, now
		if err := s.db.WithContext(ctx).Create(&f).Error; err != nil {
			return fmt.Errorf("inbound: store attachment: %w", err)
		}
	}
	return nil
}

// threadAttachments selects the attachments of replies routed into one of
// the vendor's threads: scoped by the vendor through the thread.
func (s *Store) threadAttachments(ctx context.Context, vendorID, threadID int64) *gorm.DB {
	return s.db.WithContext(ctx).Table("reply_attachments a").
		Joins("JOIN inbound_replies r ON r.id = a.reply_id").
		Where("r.status = ? AND (',' || r.thread_ids || ',') LIKE ?", StatusRouted, "%,"+strconv.FormatInt(threadID, 10)+",%").
		Where("EXISTS (SELECT 1 FROM threads t WHERE t.id = ? AND t.vendor_id = ?)", threadID, vendorID)
}

// ThreadAttachments lists the files of the vendor's thread, without their
// bytes, oldest first.
func (s *Store) ThreadAttachments(ctx context.Context, vendorID, threadID int64) ([]Attachment, error) {
	var out []Attachment
	err := s.threadAttachments(ctx, vendorID, threadID).
		Select("a.id, a.reply_id, a.filename, a.content_type, a.size, a.created_at").Order("a.id").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("inbound: thread attachments: %w", err)
	}
	return out, nil
}

// ThreadAttachment returns one file of the vendor's thread, bytes included;
// ErrNotFound for anything else.
func (s *Store) ThreadAttachment(ctx context.Context, vendorID, threadID, id int64) (Attachment, error) {
	var out []Attachment
	err := s.threadAttachments(ctx, vendorID, threadID).Where("a.id = ?", id).
		Select("a.id, a.reply_id, a.filename, a.content_type, a.size, a.data, a.created_at").Limit(1).Scan(&out).Error
	if err != nil {
		return Attachment{}, fmt.Errorf("inbound: thread attachment: %w", err)
	}
	if len(out) == 0 {
		return Attachment{}, ErrNotFound
	}
	return out[0], nil
}
