package bundler_test

import (
	"context"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
)

// TestEarlyMentionOfHighRiskInvoices (issue 16): a vendor mentions invoices
// scored at 0.6 or more 7 days earlier. Two payers hold the same two
// invoices, one due in 18 days and one due in 24; only payer A's second
// invoice is high-risk. Played four weeks with a fake clock: A's regular
// digest of the first Tuesday lists the high-risk invoice a week before
// B's lists its twin, and both payers get exactly the same digests, on the
// same slots: the advance rides the rhythm, never an extra message.
func TestEarlyMentionOfHighRiskInvoices(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC) // a Monday
		n := newNetwork(t, db, start)
		n.cadence = ""
		v := n.vendor("Risky Supplies", "")
		for _, p := range []string{"a", "b"} {
			n.push(v, p+"-later", p+"@acme.example", "2026-11-26", 2000)
		}
		for p, prob := range map[string]float64{"a": 0.9, "b": 0.1} {
			err := db.Gorm.Exec(`INSERT INTO invoice_risks (invoice_id, vendor_id, probability, level, reasons, model, scored_at)
				VALUES (?, ?, ?, 'high', '[]', 'logistic_regression', ?)`, n.invoiceID(v, p+"-later"), v, prob, start).Error
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Gorm.Exec(`INSERT INTO risk_policies (vendor_id, threshold, days, updated_at) VALUES (?, 0.6, 7, ?)`, v, start).Error; err != nil {
			t.Fatal(err)
		}
		r := n.runner(nil)
		for now := start; now.Before(start.AddDate(0, 0, 28)); now = now.Add(3 * time.Hour) {
			n.setNow(now.Format(time.RFC3339))
			run(t, r)
		}
		ctx := context.Background()
		first := map[string]time.Time{}
		for _, p := range []string{"a", "b"} {
			payer, err := n.payers.FindByEmail(ctx, p+"@acme.example")
			if err != nil {
				t.Fatal(err)
			}
			ds := sentDigests(t, db, payer.ID)
			for j, d := range ds {
				if d.Slot.Weekday() != time.Tuesday || d.Slot.Hour() != 9 || d.Slot.Minute() != 0 {
					t.Errorf("%s: digest at %s, not the payer's Tuesday 09:00 slot", p, d.Slot)
				}
				if j > 0 && d.Slot.Sub(ds[j-1].Slot) < 6*24*time.Hour {
					t.Errorf("%s: two digests within a week: %s and %s", p, ds[j-1].Slot, d.Slot)
				}
				if _, ok := first[p]; !ok && d.lists(n.invoiceID(v, p+"-later")) {
					first[p] = d.Slot
				}
			}
		}
		if first["a"].IsZero() || first["b"].IsZero() || !first["a"].Equal(time.Date(2026, 11, 17, 9, 0, 0, 0, time.UTC)) ||
			first["b"].Sub(first["a"]) != 7*24*time.Hour {
			t.Errorf("high-risk invoice first listed %s, its low-risk twin %s: want a week earlier", first["a"], first["b"])
		}
	})
}
