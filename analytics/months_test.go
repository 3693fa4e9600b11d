package analytics_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duehub/duehub/analytics"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/vendors"
)

// history pushes n invoices billed from 2024-01-03 to 2026-11-18 (two
// currencies; about 70 % paid 0–120 days after billing at random hours,
// 10 % void, the rest open, some part paid; one in eight without an issue
// date, billed the day the hub first sees it) and returns them as pushed.
func history(w *world, vendorID int64, n int, rng *rand.Rand) []inv {
	w.t.Helper()
	first := at("2024-01-03 00:00")
	span := at("2026-11-18 00:00").Sub(first)
	items := make([]inv, n)
	for i := range items {
		billed := first.Add(time.Duration(rng.Int64N(int64(span))))
		it := inv{id: fmt.Sprintf("H%04d", i), customer: fmt.Sprintf("c%d", rng.IntN(7)), amount: 1000 + rng.Int64N(90)*100,
			issue: billed.Format("2006-01-02"), due: billed.AddDate(0, 0, 15+rng.IntN(30)).Format("2006-01-02")}
		if rng.IntN(3) == 0 {
			it.currency = "EUR"
		}
		switch r := rng.IntN(10); {
		case r < 7:
			paid := billed.Add(time.Duration(rng.Int64N(120*24)) * time.Hour)
			if paid.Before(w.now) {
				it.status, it.paidAt = "paid", paid.Format(time.RFC3339)
			}
		case r < 8:
			it.status = "void"
		case r < 9:
			it.remaining = amt(it.amount / 2)
		}
		items[i] = it
	}
	for from := 0; from < n; from += 200 {
		w.push(vendorID, items[from:min(from+200, n)]...)
	}
	// Some first seen without an issue date: billed the day they are pushed.
	for i, d := range []string{"2025-02-28 23:30", "2025-12-31 12:00", "2026-06-30 23:59"} {
		it := inv{id: fmt.Sprintf("N%d", i), customer: "c1", amount: 4200, due: at(d).AddDate(0, 0, 30).Format("2006-01-02")}
		now := w.now
		w.at(d).push(vendorID, it)
		it.status, it.paidAt = "paid", at(d).AddDate(0, 0, 40).Format(time.RFC3339)
		w.push(vendorID, it)
		w.now = now
		items = append(items, it)
	}
	return items
}

// rollupPeriods are the periods the rollups are checked over: whole
// months, months cut at either end, the month now running, and three
// years.
var rollupPeriods = [][3]string{
	{"2023-11-21", "2026-11-20", ""},
	{"2026-08-23", "2026-11-20", ""},
	{"2025-11-21", "2026-11-20", "EUR"},
	{"2025-03-15", "2025-09-10", ""},
	{"2026-10-01", "2026-10-31", ""},
	{"2024-02-01", "2024-02-29", "USD"},
	{"2026-11-01", "2026-11-20", ""},
	{"2026-10-31", "2026-11-01", ""},
}

// sameAsReference fails the test unless every period's report with the
// rollups equals the one computed from the invoices alone.
func sameAsReference(t *testing.T, store *analytics.Store, vendorID int64, when string) {
	t.Helper()
	sameOver(t, store, vendorID, when, rollupPeriods)
}

// sameOver is sameAsReference over the periods given.
func sameOver(t *testing.T, store *analytics.Store, vendorID int64, when string, periods [][3]string) {
	t.Helper()
	ctx := context.Background()
	for _, pr := range periods {
		p := period(t, pr[0], pr[1], pr[2])
		got, err := store.Compute(ctx, vendorID, p)
		if err != nil {
			t.Fatal(err)
		}
		want, err := store.WithoutRollups().Compute(ctx, vendorID, p)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s, %v: with the rollups\n%s\nfrom the invoices\n%s", when, pr, show(got), show(want))
		}
	}
}

func storedMonths(t *testing.T, db *database.DB, vendorID int64) int64 {
	t.Helper()
	var n int64
	if err := db.Gorm.Raw(`SELECT COUNT(*) FROM analytics_months WHERE vendor_id = ?`, vendorID).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRollupsAddUp: a report read from the monthly rollups plus the live
// edges is the report computed from the invoices alone, over whole and cut
// months, in a zone far from UTC and in UTC, on both databases; and stays
// so after every kind of write to a paid invoice of an ended month (paid
// now, paid_at moved, voided, reopened, amount changed, history pushed
// into a month already rolled up, a payment confirmed in the hub) and
// after the vendor changes time zone.
func TestRollupsAddUp(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db)
		w.at("2026-11-20 15:00")
		store := analytics.NewStore(db.Gorm, func() time.Time { return w.now })
		rng := rand.New(rand.NewPCG(12, 1))
		auck, err := w.vendors.CreateVendor(context.Background(), vendors.NewVendor{Name: "Kiwi", Timezone: "Pacific/Auckland"})
		if err != nil {
			t.Fatal(err)
		}
		utc := w.vendor("Plain")
		for _, v := range []int64{auck.ID, utc} {
			items := history(w, v, 200, rng)
			sameAsReference(t, store, v, "first reports")
			if n := storedMonths(t, db, v); n < 30 {
				t.Fatalf("vendor %d: %d months rolled up, want the 34 ended months of its history", v, n)
			}
			sameAsReference(t, store, v, "read from the rollups")

			var paid, open []inv
			for _, it := range items {
				if it.status == "paid" && it.issue != "" && it.issue < "2026-09-01" {
					paid = append(paid, it)
				}
				if it.status == "" && it.remaining == nil && it.issue < "2026-06-01" {
					open = append(open, it)
				}
			}
			writes := []struct {
				what string
				do   func()
			}{
				{"an old open invoice paid now", func() { it := open[0]; it.status = "paid"; w.push(v, it) }},
				{"paid_at moved to another month", func() { it := paid[0]; it.paidAt = "2025-06-03T10:00:00Z"; w.push(v, it) }},
				{"a paid invoice voided", func() { it := paid[1]; it.status, it.paidAt = "void", ""; w.push(v, it) }},
				{"a paid invoice reopened", func() { it := paid[2]; it.status, it.paidAt = "", ""; w.push(v, it) }},
				{"a paid invoice's amount changed", func() { it := paid[3]; it.amount += 777; w.push(v, it) }},
				{"a paid invoice's due date moved", func() {
					it := paid[4]
					it.due = max(it.issue, at(it.paidAt[:10]+" 00:00").AddDate(0, 0, -20).Format("2006-01-02"))
					w.push(v, it)
				}},
				{"history pushed into a rolled-up month", func() {
					w.push(v, inv{id: "late-backfill", customer: "c2", issue: "2024-05-06", due: "2024-06-05", amount: 5000,
						status: "paid", paidAt: "2024-07-30T09:00:00Z"})
				}},
				{"a payment confirmed in the hub", func() {
					m := w.member(v, fmt.Sprintf("m%d", v))
					w.payAndConfirm(v, m, open[1].id, open[1].amount, "2026-11-20 15:00")
				}},
			}
			for _, wr := range writes {
				before := storedMonths(t, db, v)
				wr.do()
				if storedMonths(t, db, v) >= before {
					t.Fatalf("%s: no month's rollup dropped", wr.what)
				}
				// Three years, and a period cut at both ends.
				sameOver(t, store, v, wr.what, [][3]string{rollupPeriods[0], rollupPeriods[3]})
			}
			if err := db.Gorm.Exec(`UPDATE vendors SET timezone = 'America/Los_Angeles' WHERE id = ?`, v).Error; err != nil {
				t.Fatal(err)
			}
			sameAsReference(t, store, v, "after a change of time zone")
		}
	})
}

// TestRollupsUnderConcurrentWrites: reports computing months while paid
// invoices of those months change under them never keep a month from
// before a committed write (PostgreSQL, where they run at once; SQLite
// has one connection).
func TestRollupsUnderConcurrentWrites(t *testing.T) {
	db := dbtest.Postgres(t)
	w := newWorld(t, db)
	w.at("2026-11-20 15:00")
	store := analytics.NewStore(db.Gorm, func() time.Time { return w.now })
	v := w.vendor("Busy")
	items := history(w, v, 200, rand.New(rand.NewPCG(3, 4)))
	var paid []inv
	for _, it := range items {
		if it.status == "paid" && it.issue != "" && it.issue < "2026-09-01" {
			paid = append(paid, it)
		}
	}
	ctx := context.Background()
	p := period(t, "2023-11-21", "2026-11-20", "")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for r := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := store.Compute(ctx, v, p); err != nil {
					t.Errorf("reader %d: %v", r, err)
					return
				}
			}
		}()
	}
	// The writer moves payments between months, one push at a time; the
	// clock is not moved, so the readers' w.now is never written.
	for i := range 60 {
		it := paid[i%len(paid)]
		it.paidAt = at(it.paidAt[:10]+" 00:00").AddDate(0, 0, 31*(1+i%3)).Format(time.RFC3339)
		res, err := w.vendors.PushInvoices(ctx, v, []vendors.InvoiceInput{{ExternalID: it.id, Currency: cur(it), AmountDue: &it.amount,
			IssueDate: it.issue, DueDate: it.due, Status: "paid", PaidAt: it.paidAt,
			Customer: vendors.CustomerInput{ExternalID: it.customer, Name: "Customer " + it.customer, Email: it.customer + "@payer.example"}}})
		if err != nil || res[0].Result == vendors.ResultError {
			t.Fatalf("push: %v %+v", err, res)
		}
	}
	close(stop)
	wg.Wait()
	sameAsReference(t, store, v, "after concurrent writes")
}

func cur(it inv) string {
	if it.currency == "" {
		return "USD"
	}
	return it.currency
}

// TestRollUpAhead: the nightly pass computes every vendor's ended months,
// so the next report computes none; a second pass finds nothing to do.
func TestRollUpAhead(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db)
		w.at("2026-11-20 15:00")
		store := analytics.NewStore(db.Gorm, func() time.Time { return w.now })
		a, b := w.vendor("A"), w.vendor("B")
		rng := rand.New(rand.NewPCG(5, 6))
		history(w, a, 60, rng)
		history(w, b, 60, rng)
		n, err := store.RollUp(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got := storedMonths(t, db, a) + storedMonths(t, db, b); n < 60 || int64(n) != got {
			t.Fatalf("rolled up %d months, %d stored; want the ~34 ended months of each vendor", n, got)
		}
		if again, err := store.RollUp(context.Background()); err != nil || again != 0 {
			t.Fatalf("second pass computed %d months (%v), want 0", again, err)
		}
		sameAsReference(t, store, a, "after the nightly pass")
	})
}

// TestWarmerRollsUpAfterPushes: pushes of paid history mark the vendor,
// and the warmer rolls its months up once the pushes go quiet, before any
// report asks; a push of open invoices alone marks nothing.
func TestWarmerRollsUpAfterPushes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db)
		w.at("2026-11-20 15:00")
		store := analytics.NewStore(db.Gorm, func() time.Time { return w.now })
		// Its own clock: history moves the world's while the warmer runs.
		fixed := w.now
		warmer := analytics.NewStore(db.Gorm, func() time.Time { return fixed }).
			NewWarmer(50*time.Millisecond, time.Second, slog.New(slog.DiscardHandler))
		var touched atomic.Int64
		w.vendors.OnPaidChanged(func(id int64) { touched.Add(1); warmer.Touch(id) })
		v := w.vendor("Warm")
		w.push(v, inv{id: "open-only", customer: "c1", issue: "2026-01-05", due: "2026-02-04", amount: 100})
		if touched.Load() != 0 {
			t.Fatal("a push of a new open invoice marked the vendor")
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan struct{})
		go func() { warmer.Run(ctx); close(done) }()
		history(w, v, 80, rand.New(rand.NewPCG(7, 8)))
		deadline := time.Now().Add(20 * time.Second)
		for storedMonths(t, db, v) < 30 {
			if time.Now().After(deadline) {
				t.Fatalf("after 20 s the warmer had rolled up %d months (marked %d times)", storedMonths(t, db, v), touched.Load())
			}
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		<-done
		sameAsReference(t, store, v, "after the warmer")
	})
}
