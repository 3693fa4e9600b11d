package jobs_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duehub/duehub/analytics"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/jobs"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/vendors"
)

func (w *teamWorld) weekly(db *database.DB, mailer notify.Sender) *jobs.WeeklySummary {
	return jobs.NewWeeklySummary(jobs.WeeklySummaryConfig{Vendors: w.vendors, Threads: w.threads,
		Analytics: analytics.NewStore(db.Gorm, w.clock), Mailer: mailer, From: "hub@hub.example",
		BaseURL: "https://hub.example", Now: w.clock, Log: quiet()})
}

func (w *teamWorld) admin(vendorID int64, email, role string) vendors.Member {
	w.t.Helper()
	m, err := w.vendors.InviteMember(context.Background(), vendorID, vendors.NewMember{Email: email, Role: role})
	if err != nil {
		w.t.Fatal(err)
	}
	return m
}

// TestWeeklySummaryOncePerAdminPerWeek: on Monday from 08:00 vendor-local
// each active admin who did not turn it off gets one email with the past
// week's figures beside the week before's and the threads past the
// target, linked to the inbox; two hubs running the pass at once, and the
// passes after, send nothing more; agents get none; a failed send is
// retried; Contoso's figures and threads never reach Northwind's admins.
func TestWeeklySummaryOncePerAdminPerWeek(t *testing.T) {
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
		w := newTeamWorld(t, db, at("2026-11-10T09:00:00Z"))
		north := w.vendor("Northwind Supplies", "Europe/Paris", "ar@northwind.example")
		contoso := w.vendor("Contoso Paper", "UTC", "billing@contoso.example")
		w.admin(north, "alice@northwind.example", vendors.RoleAdmin)
		w.admin(north, "bob@northwind.example", vendors.RoleAdmin)
		w.admin(north, "carl@northwind.example", vendors.RoleAgent)
		erin := w.admin(north, "erin@northwind.example", vendors.RoleAdmin)
		if err := w.vendors.SetWeeklySummary(ctx, north, erin.ID, false); err != nil {
			t.Fatal(err)
		}
		if err := w.vendors.SetWeeklySummary(ctx, contoso, erin.ID, true); err == nil {
			t.Error("Contoso turned on a Northwind member's summary")
		}
		w.admin(contoso, "zed@contoso.example", vendors.RoleAdmin)

		// The week before (Nov 9-15): one question answered in 2 hours.
		q := w.ask(w.invoice(north, "N-1"), "Which PO?")
		w.set(at("2026-11-10T11:00:00Z"))
		if _, err := w.threads.VendorReply(ctx, north, q.ID, "PO 1"); err != nil {
			t.Fatal(err)
		}
		// The week (Nov 16-22): one answered in 5 hours, one still waiting.
		w.set(at("2026-11-17T09:00:00Z"))
		q = w.ask(w.invoice(north, "N-2"), "Which PO?")
		w.set(at("2026-11-17T14:00:00Z"))
		if _, err := w.threads.VendorReply(ctx, north, q.ID, "PO 2"); err != nil {
			t.Fatal(err)
		}
		w.set(at("2026-11-19T09:00:00Z"))
		waiting := w.ask(w.invoice(north, "N-3"), "Is this a duplicate?")
		// Contoso's week: three questions nobody answered.
		for _, ext := range []string{"C-SECRET-1", "C-SECRET-2", "C-SECRET-3"} {
			w.ask(w.invoice(contoso, ext), "Contoso only")
		}

		weekly := w.weekly(db, w.box)
		run := func(s *jobs.WeeklySummary) int {
			t.Helper()
			n, err := s.Send(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		// Monday 07:00 in Paris: not yet.
		w.set(at("2026-11-23T06:00:00Z"))
		if n := run(weekly); n != 0 {
			t.Fatalf("before 08:00 local: %d sent", n)
		}
		// 08:30 in Paris, 07:30 UTC: Northwind's admins, not yet Contoso's.
		// The mail server is down first: the claims are given back.
		w.set(at("2026-11-23T07:30:00Z"))
		if n, err := w.weekly(db, failing{}).Send(ctx); n != 0 || err == nil {
			t.Fatalf("with the mail server down: %d sent, err %v", n, err)
		}
		if n := run(weekly); n != 2 {
			t.Fatalf("Northwind at 08:30 Paris: %d sent, want 2", n)
		}
		// Two hubs at once, then again: only Contoso's admin, once.
		w.set(at("2026-11-23T09:00:00Z"))
		var wg sync.WaitGroup
		counts := make([]int, 2)
		for i := range counts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := w.weekly(db, w.box).Send(ctx)
				if err != nil {
					t.Error(err)
				}
				counts[i] = n
			}()
		}
		wg.Wait()
		if counts[0]+counts[1] != 1 {
			t.Fatalf("two hubs sent %v, want 1 in all", counts)
		}
		w.set(at("2026-11-24T09:00:00Z"))
		if n := run(weekly); n != 0 {
			t.Fatalf("on Tuesday: %d sent", n)
		}

		mails := w.mails("weekly-summary-")
		to := map[string]int{}
		for _, m := range mails {
			if len(m.To) != 1 || len(m.CC)+len(m.BCC) != 0 {
				t.Fatalf("one email per admin: %+v", m.To)
			}
			to[m.To[0]]++
		}
		if len(mails) != 3 || to["alice@northwind.example"] != 1 || to["bob@northwind.example"] != 1 || to["zed@contoso.example"] != 1 {
			t.Fatalf("sent to %v", to)
		}
		for _, m := range mails {
			if m.To[0] == "zed@contoso.example" {
				mustHave(t, m.Text, "Threads past the target: 3 (0) up 3", "C-SECRET-1")
				mustLack(t, m.Text, "N-3", "Northwind")
				continue
			}
			mustHave(t, m.Text, "Northwind Supplies: 2026-11-16 to 2026-11-22",
				"Threads answered: 1 (1)", "First reply, median: 5.0 h (2.0 h)",
				"Threads past the target: 1 (0) up 1",
				"first reply within 1 business day), awaiting your reply now: 1",
				"Question on invoice N-3 from Acme Corp, waiting 3 days: https://hub.example/vendor/threads/"+strconv.FormatInt(waiting.ID, 10),
				"https://hub.example/vendor/analytics", "turn it off on https://hub.example/vendor/members")
			mustLack(t, m.Text, "C-SECRET", "Contoso")
			if !strings.Contains(m.Subject, "1 thread past your reply target") {
				t.Errorf("subject %q", m.Subject)
			}
		}

		// The next Monday is a new week.
		w.set(at("2026-11-30T08:00:00Z"))
		if n := run(weekly); n != 3 {
			t.Errorf("the next Monday: %d sent, want 3", n)
		}
	})
}

func mustHave(t *testing.T, text string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(text, want) {
			t.Errorf("the summary lacks %q:\n%s", want, text)
		}
	}
}

func mustLack(t *testing.T, text string, nots ...string) {
	t.Helper()
	for _, not := range nots {
		if strings.Contains(text, not) {
			t.Errorf("the summary holds %q:\n%s", not, text)
		}
	}
}
