package privacy_test

import (
	"context"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/notify/outbox"
	"github.com/duehub/duehub/privacy"
)

// TestPurgeEmptiesOldBodies: bodies of messages sent before the cutoff are
// emptied, the rows stay; newer messages keep theirs.
func TestPurgeEmptiesOldBodies(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
		at := now.AddDate(0, 0, -100)
		box := outbox.New(db.Gorm, func() time.Time { return at })
		send := func(id string) {
			if _, err := box.Send(ctx, notify.Message{ID: id, Channel: notify.Email, To: []string{"ap@acme.example"},
				From: "hub@hub.example", Subject: "Digest " + id, Text: "secret body " + id, HTML: "<p>secret " + id + "</p>"}); err != nil {
				t.Fatal(err)
			}
		}
		send("old")
		at = now.AddDate(0, 0, -10)
		send("new")
		p, err := privacy.Purge(ctx, db.Gorm, now.AddDate(0, 0, -privacy.DefaultRetentionDays))
		if err != nil || p.Outbox != 1 {
			t.Fatalf("purge: %+v %v", p, err)
		}
		msgs, err := box.List(ctx, 0)
		if err != nil || len(msgs) != 2 {
			t.Fatalf("list: %d %v", len(msgs), err)
		}
		for _, m := range msgs {
			old := m.Subject == "Digest old"
			if old != (m.Text == "" && m.HTML == "") {
				t.Errorf("%s: text %q html %q", m.Subject, m.Text, m.HTML)
			}
		}
		// A second pass finds nothing more.
		if p, _ := privacy.Purge(ctx, db.Gorm, now.AddDate(0, 0, -90)); p.Outbox != 0 {
			t.Fatalf("second purge: %+v", p)
		}
	})
}
