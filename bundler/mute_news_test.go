package bundler_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/threads"
)

// TestMutedVendorAnswerIsNoNews: a payer asks two vendors a question, mutes
// one of them, and both answer. The answers reach the payer by email at
// once and stay marked in the portal inbox, muted vendor or not; but the
// digest is a reminder, and a muted vendor's part in it is over: its answer
// is not counted among the "answers waiting" of a digest that does not list
// that vendor, and is no reason to send one. The payer who asked only the
// muted vendor hears nothing on Tuesday 1 December; the one who asked both
// is told of one answer waiting, not two.
func TestMutedVendorAnswerIsNoNews(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC) // a Monday
		n := newNetwork(t, db, start)
		n.cadence = ""
		muted, other := n.vendor("Northwind", ""), n.vendor("Contoso", "")
		if err := db.Gorm.Exec(`UPDATE vendors SET reminder_offsets = '-7,0', reminder_repeat_days = 90`).Error; err != nil {
			t.Fatal(err)
		}
		who := []string{"mutedonly", "both"}
		for _, w := range who {
			n.push(muted, "N-"+w, w+"@acme.example", "2026-11-12", 100)
			n.push(other, "C-"+w, w+"@acme.example", "2026-11-12", 200)
		}
		payer := func(w string) int64 { return payerOfEmail(t, n, w+"@acme.example") }
		th := threads.NewStore(db.Gorm, n.payers, n.clock)
		ask := func(w string, v int64, ext string) {
			t.Helper()
			n.setNow("2026-11-25T09:00:00Z")
			q, err := th.AskQuestion(ctx, payer(w), n.invoiceID(v, ext), "Which PO is this for?")
			if err != nil {
				t.Fatal(err)
			}
			n.setNow("2026-11-25T15:00:00Z")
			if _, err := th.VendorReply(ctx, v, q.ID, "PO 4471."); err != nil {
				t.Fatal(err)
			}
		}
		events := map[string]func(){
			"2026-11-25T09:00:00Z": func() {
				for _, w := range who {
					if err := n.payers.Mute(ctx, payer(w), muted); err != nil {
						t.Fatal(err)
					}
				}
				ask("mutedonly", muted, "N-mutedonly")
				ask("both", muted, "N-both")
				ask("both", other, "C-both")
				n.setNow("2026-11-25T09:00:00Z")
			},
		}
		r := n.runner(nil)
		for now := start; now.Before(start.AddDate(0, 0, 31)); now = now.Add(3 * time.Hour) {
			n.setNow(now.Format(time.RFC3339))
			if do := events[now.Format(time.RFC3339)]; do != nil {
				do()
			}
			run(t, r)
		}
		for w, want := range map[string]string{"mutedonly": "11-10 11-17", "both": "11-10 11-17 12-01"} {
			var days []string
			for _, d := range sentDigests(t, db, payer(w)) {
				days = append(days, d.Slot.Format("01-02"))
			}
			if got := strings.Join(days, " "); got != want {
				t.Errorf("%s: digests on %s, want %s", w, got, want)
			}
		}
		var found bool
		for _, m := range n.messages() {
			if m.To[0] != "both@acme.example" || m.CreatedAt.Before(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
				continue
			}
			found = true
			if !strings.Contains(m.Text, "What changed since your last digest (17 Nov 2026): 1 answer waiting\n") ||
				!strings.Contains(m.HTML, "1 answer waiting</p>") {
				t.Errorf("the digest of 1 December does not count one answer waiting:\n%s", m.Text[:min(len(m.Text), 500)])
			}
			if strings.Contains(m.Text, "Northwind") {
				t.Errorf("the digest of 1 December lists the muted vendor:\n%s", m.Text)
			}
		}
		if !found {
			t.Error("no digest of 1 December to both@acme.example")
		}
	})
}
