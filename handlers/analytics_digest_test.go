package handlers

import (
	"strings"
	"testing"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
)

// TestBackfilledHistoryIsNeverReminded: the paid invoice Northwind pushed
// as history (H-1) and its void one (H-2) are in no digest, while its open
// overdue invoice is.
func TestBackfilledHistoryIsNeverReminded(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newAnalyticsWorld(t, db)
		h := w.h
		// Next Tuesday, the default rhythm's day, well past the 24 hours after
		// the payer reported a payment in which no digest goes out.
		h.now = h.now.AddDate(0, 0, 8)
		h.runDigests()
		msgs := h.messagesTo("ap@acme.example")
		if len(msgs) == 0 {
			t.Fatal("no digest went to ap@acme.example")
		}
		for _, m := range msgs {
			if !strings.Contains(m.Text, "N-1") {
				t.Errorf("the digest lacks the open invoice N-1:\n%s", m.Text)
			}
			if strings.Contains(m.Text, "H-1") || strings.Contains(m.Text, "H-2") {
				t.Errorf("the digest reminds closed history:\n%s", m.Text)
			}
		}
	})
}
