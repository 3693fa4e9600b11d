package analytics_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/duehub/duehub/analytics"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
)

// seedPeer is a vendor that billed ten invoices on 2026-09-01 (due 10-01)
// and had late of them paid after the due date (10-11), the rest on time
// (09-20): its share paid late is late × 10 %, its average days late 10.
func seedPeer(w *world, name string, late int) int64 {
	v := w.vendor(name)
	var items []inv
	for i := range 10 {
		paid := "2026-09-20T12:00:00Z"
		if i < late {
			paid = "2026-10-11T12:00:00Z"
		}
		items = append(items, inv{id: fmt.Sprintf("P%d", i), customer: "p" + name, issue: "2026-09-01", due: "2026-10-01",
			amount: 1000, status: "paid", paidAt: paid})
	}
	w.push(v, items...)
	return v
}

func shareLate(b analytics.Benchmarks) analytics.Benchmark {
	for _, f := range b.Figures {
		if f.Figure == "share_paid_late" {
			return f
		}
	}
	return analytics.Benchmark{}
}

// TestNetworkBenchmarks: no request computes the network's figures: before
// the first pass a vendor's benchmarks are pending; the pass keeps them
// for the standard periods and requests read what it kept. With nine
// vendors of a size nothing is shown; with ten (after the next pass) the
// quartiles of their shares paid late (0, 10, …, 90 %) are 22.5, 45 and
// 67.5 (linear interpolation: position 0.25 × 9 = 2.25 → 20 + 0.25 × 10;
// 4.5 → 45; 6.75 → 67.5); a bigger vendor (120 invoices, all late) is of
// another size and moves none of them; no kept row holds quartiles of
// fewer than ten vendors; and the tenth vendor's arrival changes none of
// the first vendor's own figures.
func TestNetworkBenchmarks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db)
		w.at("2026-09-02 10:00")
		var peers []int64
		for k := range 9 {
			peers = append(peers, seedPeer(w, fmt.Sprintf("v%d", k), k))
		}
		big := w.vendor("Big")
		var items []inv
		for i := range 120 {
			items = append(items, inv{id: fmt.Sprintf("B%d", i), customer: "big", issue: "2026-09-01", due: "2026-10-01",
				amount: 500, status: "paid", paidAt: "2026-11-01T12:00:00Z"})
		}
		w.push(big, items...)
		// 2026-09-01 to 11-29 is 90 days: the kept 90-day period.
		w.at("2026-11-29 12:00")
		clock := func() time.Time { return w.now }
		p := period(t, "2026-09-01", "2026-11-29", "")
		ctx := context.Background()
		store := analytics.NewStore(db.Gorm, clock)

		first, err := store.Compute(ctx, peers[0], p)
		if err != nil {
			t.Fatal(err)
		}
		b, err := store.Benchmarks(ctx, peers[3], p)
		if err != nil {
			t.Fatal(err)
		}
		if !b.Pending || b.Days != 90 || len(b.Figures) != 0 {
			t.Fatalf("before any pass: %s, want pending over 90 days", show(b))
		}

		passes, err := store.RefreshNetwork(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(passes) != 3 || passes[0].Days != 30 || passes[1].Days != 90 || passes[2].Days != 365 || passes[1].Vendors != 10 {
			t.Fatalf("first pass: %s", show(passes))
		}
		b, err = store.Benchmarks(ctx, peers[3], p)
		if err != nil {
			t.Fatal(err)
		}
		if b.Pending || b.SizeClass != "1–99 invoices" || b.From.String() != "2026-09-01" || b.To.String() != "2026-11-29" ||
			!b.ComputedAt.Equal(w.now) {
			t.Errorf("kept pass: %s", show(b))
		}
		got := shareLate(b)
		if got.Vendors != 9 || got.Median != nil || got.P25 != nil || got.P75 != nil || got.Value == nil || *got.Value != 30 {
			t.Fatalf("with nine vendors: %s", show(got))
		}
		for _, f := range b.Figures {
			if f.Median != nil {
				t.Errorf("%s shown from %d vendors", f.Figure, f.Vendors)
			}
		}

		w.at("2026-09-02 10:00")
		peers = append(peers, seedPeer(w, "v9", 9))
		w.at("2026-11-29 13:00")
		// Requests read only what the pass kept: the tenth vendor shows
		// after the next pass, and a pass an hour after the last one
		// (younger than its max age) computes nothing.
		b, err = store.Benchmarks(ctx, peers[3], p)
		if err != nil {
			t.Fatal(err)
		}
		if g := shareLate(b); g.Vendors != 9 {
			t.Errorf("before the next pass: %s, want the kept nine", show(g))
		}
		if passes, err := store.RefreshNetwork(ctx, 12*time.Hour); err != nil || len(passes) != 0 {
			t.Fatalf("a pass an hour later computed %s, %v", show(passes), err)
		}
		w.at("2026-11-30 01:00")
		if passes, err := store.RefreshNetwork(ctx, 12*time.Hour); err != nil || len(passes) != 3 {
			t.Fatalf("the nightly pass computed %s, %v", show(passes), err)
		}
		// The 90 days are now 09-02 to 11-30: the peers' invoices of 09-01
		// fell out of them; the 365 days still hold them.
		w.at("2026-11-29 13:00")
		if _, err := store.RefreshNetwork(ctx, 0); err != nil {
			t.Fatal(err)
		}
		b, err = store.Benchmarks(ctx, peers[3], p)
		if err != nil {
			t.Fatal(err)
		}
		want := analytics.Benchmark{Figure: "share_paid_late", Value: f(30), Vendors: 10, P25: f(22.5), Median: f(45), P75: f(67.5)}
		if got := shareLate(b); !reflect.DeepEqual(got, want) {
			t.Errorf("with ten vendors\n%s\nwant\n%s", show(got), show(want))
		}
		for _, fig := range b.Figures {
			if fig.Figure == "avg_days_late" && (fig.Vendors != 9 || fig.Median != nil) {
				// v0 paid nothing late: it has no days late, so 9 vendors have the figure.
				t.Errorf("avg days late %s", show(fig))
			}
		}
		year, err := store.Benchmarks(ctx, peers[3], period(t, "2025-12-01", "2026-11-29", ""))
		if err != nil {
			t.Fatal(err)
		}
		if g := shareLate(year); year.Days != 365 || !reflect.DeepEqual(g, want) {
			t.Errorf("over 365 days: %d days, %s", year.Days, show(g))
		}
		bigB, err := store.Benchmarks(ctx, big, p)
		if err != nil {
			t.Fatal(err)
		}
		if g := shareLate(bigB); bigB.SizeClass != "100–999 invoices" || g.Vendors != 1 || g.Median != nil || *g.Value != 100 {
			t.Errorf("the big vendor: %s", show(bigB))
		}
		var leaks int64
		if err := db.Gorm.Raw(`SELECT COUNT(*) FROM network_quartiles WHERE vendors < ? AND (p25 IS NOT NULL OR median IS NOT NULL OR p75 IS NOT NULL)`,
			analytics.MinBenchmarkVendors).Scan(&leaks).Error; err != nil || leaks != 0 {
			t.Errorf("%d kept quartiles of fewer than %d vendors (%v)", leaks, analytics.MinBenchmarkVendors, err)
		}

		w.at("2026-11-29 12:00")
		after, err := store.Compute(ctx, peers[0], p)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(first, after) {
			t.Fatalf("another vendor changed v0's own figures\nbefore %s\nafter %s", show(first), show(after))
		}
	})
}

// TestNetworkDays: a report's benchmarks are those of the standard period
// nearest its length.
func TestNetworkDays(t *testing.T) {
	for _, c := range []struct {
		from, to string
		want     int
	}{
		{"2026-11-01", "2026-11-30", 30}, {"2026-11-24", "2026-11-30", 30}, {"2026-09-02", "2026-11-30", 90},
		{"2026-10-01", "2026-11-30", 90}, {"2025-12-01", "2026-11-30", 365}, {"2023-11-30", "2026-11-30", 365},
	} {
		if got := analytics.NetworkDays(period(t, c.from, c.to, "")); got != c.want {
			t.Errorf("%s to %s: %d, want %d", c.from, c.to, got, c.want)
		}
	}
}
