package jobs_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/vendors"
)

// TestWeeklySummaryInVendorZone: an Auckland vendor's (NZDT, UTC+13) week
// and business day are Auckland's, on both databases. Its week of Nov 16-22
// begins at 2026-11-15 11:00 UTC, so a question answered in its first hours
// (a UTC Sunday) counts in the week, not the week before; a question asked
// on Saturday 09:00 in Auckland (Friday 20:00 UTC) is due Monday 09:00 in
// Auckland (Sunday 20:00 UTC), so the summary at Monday 09:30 lists it as
// past the target — counted in UTC it would be due on Monday 20:00 UTC and
// not yet late.
func TestWeeklySummaryInVendorZone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		at := func(s string) time.Time {
			t.Helper()
			tm, err := time.Parse(time.RFC3339, s)
			if err != nil {
				t.Fatal(err)
			}
			return tm
		}
		w := newTeamWorld(t, db, at("2026-11-15T12:00:00Z"))
		kiwi := w.vendor("Kiwi Tools", "Pacific/Auckland", "ar@kiwi.example")
		w.admin(kiwi, "aroha@kiwi.example", vendors.RoleAdmin)
		// Monday 01:00 in Auckland, Sunday noon in UTC: answered in 2 hours.
		q := w.ask(w.invoice(kiwi, "K-1"), "Which PO?")
		w.set(at("2026-11-15T14:00:00Z"))
		if _, err := w.threads.VendorReply(ctx, kiwi, q.ID, "PO 1"); err != nil {
			t.Fatal(err)
		}
		// Saturday 09:00 in Auckland, Friday 20:00 UTC: still waiting.
		w.set(at("2026-11-20T20:00:00Z"))
		w.ask(w.invoice(kiwi, "K-2"), "Is this a duplicate?")

		// Monday 09:30 in Auckland.
		w.set(at("2026-11-22T20:30:00Z"))
		if n, err := w.weekly(db, w.box).Send(ctx); err != nil || n != 1 {
			t.Fatalf("Monday 09:30 in Auckland: %d sent, %v", n, err)
		}
		mails := w.mails("weekly-summary-")
		if len(mails) != 1 {
			t.Fatalf("%d summaries", len(mails))
		}
		m := mails[0]
		for _, want := range []string{"2026-11-16 to 2026-11-22", "Threads answered: 1 (0) up 1", "First reply, median: 2.0 h (n/a)",
			"awaiting your reply now: 1", "Question on invoice K-2"} {
			if !strings.Contains(m.Text, want) {
				t.Errorf("the summary lacks %q:\n%s", want, m.Text)
			}
		}
		if !strings.Contains(m.Subject, "1 thread past your reply target") {
			t.Errorf("subject %q", m.Subject)
		}
	})
}
