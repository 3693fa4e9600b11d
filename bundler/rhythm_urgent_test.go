package bundler_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
)

// TestRhythmDueNowCrowded: a payer with 40 open invoices, more than a
// digest lists, has them listed in rotation before they fall due, so none
// falls due unannounced and no "due now" message is reserved: never an
// empty one, as when the planner took every invoice of a crowded payer for
// unannounced. An invoice pushed on Wednesday and due on Thursday still
// brings one, listing it alone.
func TestRhythmDueNowCrowded(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC) // a Monday
		n := newNetwork(t, db, start)
		n.cadence = ""
		v := n.vendor("Heavy Supplies", "")
		first := civil.Of(start)
		for i := range 40 {
			n.push(v, fmt.Sprintf("H-%02d", i), "crowded@acme.example", first.AddDays(2+i*26/40).String(), 100)
		}
		payer := payerOfEmail(t, n, "crowded@acme.example")
		r := n.runner(nil)
		for now := start; now.Before(start.AddDate(0, 0, 28)); now = now.Add(3 * time.Hour) {
			n.setNow(now.Format(time.RFC3339))
			if now.Equal(time.Date(2026, 11, 11, 12, 0, 0, 0, time.UTC)) {
				n.push(v, "NEW", "crowded@acme.example", "2026-11-12", 500)
			}
			run(t, r)
		}
		var urgent []struct {
			Slot       time.Time
			Status     string
			InvoiceIDs string
		}
		if err := db.Gorm.Model(&bundler.Entry{}).Where("payer_id = ? AND kind = ?", payer, bundler.KindUrgent).
			Order("slot").Find(&urgent).Error; err != nil {
			t.Fatal(err)
		}
		newID := fmt.Sprint(n.invoiceID(v, "NEW"))
		if len(urgent) != 1 || urgent[0].Status != bundler.StatusSent || urgent[0].InvoiceIDs != newID ||
			!urgent[0].Slot.Equal(time.Date(2026, 11, 12, 9, 0, 0, 0, time.UTC)) {
			t.Fatalf("due-now rows %+v, want one sent on Thursday 12 November listing invoice %s alone", urgent, newID)
		}
		if ds := sentDigests(t, db, payer); len(ds) < 4 {
			t.Errorf("%d messages in four weeks", len(ds))
		}
	})
}
