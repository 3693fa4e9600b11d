package privacy

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// DefaultRetentionDays is how long sent message bodies are kept when
// DUEHUB_RETENTION_DAYS is not set.
const DefaultRetentionDays = 90

// Purged says what a retention pass emptied.
type Purged struct {
	Outbox  int64 // sent messages whose subject stays but whose bodies are gone
	Replies int64 // emailed and texted replies already routed or refused
}

// Purge empties the bodies of messages sent, and of replies received and
// dealt with, before cutoff. The rows stay (when, to which channel, the
// subject), so delivery history and counts do not change; held replies
// still waiting for the payer are kept whole.
func Purge(ctx context.Context, db *gorm.DB, cutoff time.Time) (Purged, error) {
	var p Purged
	cutoff = cutoff.UTC()
	res := db.WithContext(ctx).Exec(`UPDATE outbox_messages SET text_body = '', html_body = ''
WHERE created_at < ? AND (text_body <> '' OR html_body <> '')`, cutoff)
	if res.Error != nil {
		return p, fmt.Errorf("privacy: purge outbox: %w", res.Error)
	}
	p.Outbox = res.RowsAffected
	res = db.WithContext(ctx).Exec(`UPDATE inbound_replies SET body = '' WHERE created_at < ? AND status <> 'held' AND body <> ''`, cutoff)
	if res.Error != nil {
		return p, fmt.Errorf("privacy: purge replies: %w", res.Error)
	}
	p.Replies = res.RowsAffected
	return p, nil
}
