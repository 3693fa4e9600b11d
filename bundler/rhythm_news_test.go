package bundler_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/threads"
)

// TestRhythmNewsAlone: "nothing for nothing", both ways. Five payers whose
// one vendor reminds only 7 days before due and on the due date (then every
// 90 days) hear on the Tuesdays before and after their invoices fall due,
// and then nothing is new: the following Tuesday every one is skipped and
// counted. Then, with no invoice reaching a point, a vendor's answer to a
// question, a promise that expires and a dispute the vendor resolves each
// bring one digest at the payer's next regular window, which says so in
// "What changed since your last digest"; a payer who replied to the answer
// already, and one with nothing new, are skipped again. The week after,
// the news is old: everyone is skipped.
func TestRhythmNewsAlone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC) // a Monday
		n := newNetwork(t, db, start)
		n.cadence = ""
		v := n.vendor("Northwind", "")
		if err := db.Gorm.Exec(`UPDATE vendors SET reminder_offsets = '-7,0', reminder_repeat_days = 90 WHERE id = ?`, v).Error; err != nil {
			t.Fatal(err)
		}
		who := []string{"answer", "replied", "expired", "released", "quiet"}
		for _, w := range who {
			n.push(v, "A-"+w, w+"@acme.example", "2026-11-12", 100)
			n.push(v, "B-"+w, w+"@acme.example", "2026-11-12", 200)
		}
		payer := func(w string) int64 { return payerOfEmail(t, n, w+"@acme.example") }
		th := threads.NewStore(db.Gorm, n.payers, n.clock)
		exec := func(sql string, args ...any) {
			t.Helper()
			if err := db.Gorm.Exec(sql, args...).Error; err != nil {
				t.Fatal(err)
			}
		}
		// What happens between Tuesday 17 November's digest and Tuesday
		// 1 December, by the hour it happens at.
		events := map[string]func(){
			"2026-11-18T12:00:00Z": func() {
				// A promise on A until Friday 27th; a dispute on A. Written
				// as the rows they are, so no portal action holds digests back.
				exec(`INSERT INTO holds (payer_id, vendor_id, invoice_id, kind, until, created_at) VALUES (?, ?, ?, 'promise', ?, ?)`,
					payer("expired"), v, n.invoiceID(v, "A-expired"), time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), n.clock())
				exec(`INSERT INTO holds (payer_id, vendor_id, invoice_id, kind, created_at) VALUES (?, ?, ?, 'dispute', ?)`,
					payer("released"), v, n.invoiceID(v, "A-released"), n.clock())
			},
			"2026-11-25T09:00:00Z": func() {
				for _, w := range []string{"answer", "replied"} {
					q, err := th.AskQuestion(ctx, payer(w), n.invoiceID(v, "A-"+w), "Which PO is this for?")
					if err != nil {
						t.Fatal(err)
					}
					n.setNow("2026-11-25T15:00:00Z")
					exec(`DELETE FROM plan_invalidations`)
					if _, err := th.VendorReply(ctx, v, q.ID, "PO 4471, delivered on 2 November."); err != nil {
						t.Fatal(err)
					}
					var listed int64
					if err := db.Gorm.Raw(`SELECT COUNT(*) FROM plan_invalidations WHERE payer_id = ?`, payer(w)).Scan(&listed).Error; err != nil || listed == 0 {
						t.Fatalf("the vendor's answer did not list the payer for planning (migration 00020): %d %v", listed, err)
					}
					if w == "replied" {
						n.setNow("2026-11-25T16:00:00Z")
						if _, err := th.PayerReply(ctx, payer(w), q.ID, "Thanks, paying Friday."); err != nil {
							t.Fatal(err)
						}
					}
					n.setNow("2026-11-25T09:00:00Z")
				}
			},
			"2026-11-26T12:00:00Z": func() {
				exec(`UPDATE holds SET released_at = ? WHERE payer_id = ?`, n.clock(), payer("released"))
			},
		}
		r := n.runner(nil)
		skippedOn := map[string]int{}
		for now := start; now.Before(start.AddDate(0, 0, 38)); now = now.Add(3 * time.Hour) {
			n.setNow(now.Format(time.RFC3339))
			if do := events[now.Format(time.RFC3339)]; do != nil {
				do()
			}
			rep := run(t, r)
			if now.Weekday() == time.Tuesday && now.Hour() == 9 {
				skippedOn[now.Format("01-02")] = rep.Skipped[bundler.ReasonNotTriggered]
			}
		}
		want := map[string]int{"11-03": 5, "11-10": 0, "11-17": 0, "11-24": 5, "12-01": 2, "12-08": 5}
		for day, k := range want {
			if skippedOn[day] != k {
				t.Errorf("Tuesday %s: %d payers skipped with nothing new, want %d (all: %v)", day, skippedOn[day], k, skippedOn)
			}
		}
		news := map[string]string{"answer": "1 answer waiting", "expired": "1 hold lifted", "released": "1 hold lifted"}
		for _, w := range who {
			ds := sentDigests(t, db, payer(w))
			var days []string
			for _, d := range ds {
				days = append(days, d.Slot.Format("01-02"))
			}
			wantDays := "11-10 11-17"
			if news[w] != "" {
				wantDays += " 12-01"
			}
			if strings.Join(days, " ") != wantDays {
				t.Errorf("%s: digests on %v, want %s", w, days, wantDays)
			}
		}
		for _, m := range n.messages() {
			if m.CreatedAt.Before(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
				continue
			}
			w := strings.TrimSuffix(m.To[0], "@acme.example")
			if !strings.Contains(m.Text, "What changed since your last digest (17 Nov 2026): "+news[w]+"\n") ||
				!strings.Contains(m.HTML, news[w]+"</p>") {
				t.Errorf("%s's digest of 1 December does not say %q:\n%s", w, news[w], m.Text[:min(len(m.Text), 500)])
			}
		}
	})
}
