package analytics_test

import (
	"context"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/duehub/duehub/analytics"
	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/vendors"
)

// digest records a digest sent to payer at sentAt carrying invoiceIDs,
// the way the bundler's ledger does: written first, then marked sent (the
// update is what fills digest_invoices) — or written already sent.
func (w *world) digest(payer int64, sentAt string, direct bool, invoiceIDs ...int64) {
	w.t.Helper()
	ids := ""
	for i, id := range invoiceIDs {
		if i > 0 {
			ids += ","
		}
		ids += strconv.FormatInt(id, 10)
	}
	t := at(sentAt)
	status := "sending"
	if direct {
		status = "sent"
	}
	err := w.db.Gorm.Exec(`INSERT INTO digests (payer_id, channel, slot, status, invoice_ids, created_at, updated_at, sent_at)
VALUES (?, 'email', ?, ?, ?, ?, ?, ?)`, payer, t, status, ids, t, t, t).Error
	if err == nil && !direct {
		err = w.db.Gorm.Exec(`UPDATE digests SET status = 'sent' WHERE payer_id = ? AND slot = ?`, payer, t).Error
	}
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) payClick(vendorID int64, externalID, when string) {
	w.t.Helper()
	id, payer := w.invoice(vendorID, externalID)
	if err := w.db.Gorm.Exec(`INSERT INTO pay_clicks (payer_id, invoice_id, created_at) VALUES (?, ?, ?)`, payer, id, at(when)).Error; err != nil {
		w.t.Fatal(err)
	}
}

// TestGoldenTimezoneCohortsReminders: a vendor in New York counts days and
// months in New York, on both databases; its billing cohorts, at-risk rate
// and reminder effect match the values worked out by hand below. The
// report covers 2026-06-01 to 2026-11-30 at 2026-12-01 03:00 UTC, which is
// 2026-11-30 22:00 in New York (EST, UTC−5; summer is EDT, UTC−4): the
// vendor's today is 11-30, UTC's would be 12-01.
//
// Harbor's invoices (USD):
//
//	A  no issue date, first seen 06-01 02:00 UTC = 05-31 22:00 EDT: billed 05-31 (May, before the
//	   period; UTC would say June), due 06-30, 1000, paid by push 07-01 03:00 UTC = 06-30 23:00 EDT:
//	   paid in June, on time (UTC: July, one day late)
//	B  billed 06-15 due 07-15 2000, paid_at 08-01 01:00 UTC = 07-31 21:00 EDT: July, 16 days late,
//	   46 days after billing (UTC: August, 17 days late)
//	C  billed 06-20 due 07-20 3000, never paid: 133 days past due, 90+
//	D  billed 07-05 due 08-04 500, paid 07-20 15:00 UTC: July, on time, 15 days after billing
//	E  billed 11-01 due 11-30 700, open: current on the vendor's 11-30 (UTC's 12-01 would make it 1-30)
//
// Late payments by month: June paid 1 (A), late 0; July paid 2 (B, D),
// late 1 (B, 2000). Days to resolve a delinquent invoice: B's 16.
// Aging: current 700 (E), 90+ 3000 (C).
//
// Cohorts (billing months in the period; a share is known once the
// month's last day + N days is before 11-30):
//
//	June: B, C = 2. Paid within 30 days: none; 60: B (46 days); 90: B.
//	      06-30 + 90 = 09-28 < 11-30: all known: 0 %, 50 %, 50 %; at risk (not paid within 90) 1 of 2 = 50 %.
//	July: D = 1, paid within 15 days: 100 % each; 07-31 + 90 = 10-29: known; at risk 0 %.
//	November: E = 1, none paid; 11-30 + 30 is not before 11-30: all unknown.
//
// Reminder effect: digest d1 to the shared payer at 07-25 14:00 UTC carried
// B, C and Quay's X; d2 at 11-26 14:00 carried E (less than 7 days before
// now: not in the share); Quay's own digest carried only X. The share:
// of B and C, B was paid 6 days 11 hours after d1 → 1 of 2 = 50 %.
// Digests in the period that carried Harbor's invoices: d1, d2 = 2; pay
// clicks on Harbor's invoices: C (07-26) and E (11-27) = 2 (Quay's click on
// X does not count) → 1.00 per digest.
func TestGoldenTimezoneCohortsReminders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db)
		h, err := w.vendors.CreateVendor(context.Background(), vendors.NewVendor{Name: "Harbor", Timezone: "America/New_York"})
		if err != nil {
			t.Fatal(err)
		}
		v := h.ID
		quay := w.vendor("Quay")
		w.at("2026-06-01 02:00").push(v, inv{id: "A", customer: "c1", due: "2026-06-30", amount: 1000})
		w.at("2026-06-15 10:00").push(v, inv{id: "B", customer: "c1", issue: "2026-06-15", due: "2026-07-15", amount: 2000})
		w.at("2026-06-20 10:00").push(v, inv{id: "C", customer: "c1", issue: "2026-06-20", due: "2026-07-20", amount: 3000})
		w.push(quay, inv{id: "X", customer: "c1", issue: "2026-06-20", due: "2026-07-20", amount: 9000})
		w.at("2026-07-01 03:00").push(v, inv{id: "A", customer: "c1", due: "2026-06-30", amount: 1000, status: "paid"})
		w.at("2026-07-05 10:00").push(v, inv{id: "D", customer: "c1", issue: "2026-07-05", due: "2026-08-04", amount: 500})
		w.at("2026-07-20 15:00").push(v, inv{id: "D", customer: "c1", issue: "2026-07-05", due: "2026-08-04", amount: 500, status: "paid"})
		bID, payer := w.invoice(v, "B")
		cID, _ := w.invoice(v, "C")
		xID, _ := w.invoice(quay, "X")
		w.digest(payer, "2026-07-25 14:00", false, bID, cID, xID)
		w.digest(payer, "2026-07-28 14:00", true, xID)
		w.payClick(v, "C", "2026-07-26 09:00")
		w.payClick(quay, "X", "2026-07-26 09:00")
		w.at("2026-08-02 10:00").push(v, inv{id: "B", customer: "c1", issue: "2026-06-15", due: "2026-07-15", amount: 2000,
			status: "paid", paidAt: "2026-08-01T01:00:00Z"})
		w.at("2026-11-01 10:00").push(v, inv{id: "E", customer: "c1", issue: "2026-11-01", due: "2026-11-30", amount: 700})
		eID, _ := w.invoice(v, "E")
		w.digest(payer, "2026-11-26 14:00", true, eID)
		w.payClick(v, "E", "2026-11-27 09:00")
		w.at("2026-12-01 03:00")

		var billed struct{ BilledOn civil.Date }
		aID, _ := w.invoice(v, "A")
		if err := db.Gorm.Raw(`SELECT billed_on FROM invoices WHERE id = ?`, aID).Scan(&billed).Error; err != nil ||
			billed.BilledOn.String() != "2026-05-31" {
			t.Fatalf("A billed on %v (%v), want New York's 2026-05-31", billed.BilledOn, err)
		}

		store := analytics.NewStore(db.Gorm, func() time.Time { return w.now })
		today, err := store.Today(context.Background(), v)
		if err != nil || today.String() != "2026-11-30" {
			t.Fatalf("today %v %v", today, err)
		}
		p, err := analytics.ParsePeriod("2026-06-01", "", "", today)
		if err != nil {
			t.Fatal(err)
		}
		got, err := store.Compute(context.Background(), v, p)
		if err != nil {
			t.Fatal(err)
		}
		check := func(name string, got, want any) {
			t.Helper()
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s\n%s\nwant\n%s", name, show(got), show(want))
			}
		}
		check("timezone", got.Timezone, "America/New_York")
		check("late payments", got.LatePaymentsByMonth, []analytics.LateMonth{
			{Month: "2026-06", Currency: "USD", Paid: 1},
			{Month: "2026-07", Currency: "USD", Paid: 2, PaidLate: 1, AmountPaidLate: 2000},
		})
		check("days to resolve delinquent", got.AvgDaysToResolveDelinq, f(16))
		check("aging", got.Aging, []analytics.AgingBucket{
			{Bucket: "current", Currency: "USD", Amount: 700, Count: 1},
			{Bucket: "90+", Currency: "USD", Amount: 3000, Count: 1},
		})
		check("cohorts", got.Cohorts, []analytics.Cohort{
			{Month: "2026-06", Invoices: 2, Paid: [3]int64{0, 1, 1}, Share: [3]*float64{f(0), f(50), f(50)}, AtRisk: f(50)},
			{Month: "2026-07", Invoices: 1, Paid: [3]int64{1, 1, 1}, Share: [3]*float64{f(100), f(100), f(100)}, AtRisk: f(0)},
			{Month: "2026-11", Invoices: 1},
		})
		check("reminder effect", got.ReminderEffect, analytics.ReminderEffect{Digests: 2, Invoices: 2, PaidWithin7Days: 1,
			Share: f(50), PayClicks: 2, ClicksPerDigest: f(1)})
	})
}
