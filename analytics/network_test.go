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

// TestNetworkBenchmarks: with nine vendors of a size nothing is shown;
// with ten the quartiles of their shares paid late (0, 10, …, 90 %) are
// 22.5, 45 and 67.5 (linear interpolation: position 0.25 × 9 = 2.25 →
// 20 + 0.25 × 10; 4.5 → 45; 6.75 → 67.5); a bigger vendor (120 invoices,
// all late) is of another size and moves none of them; and the tenth
// vendor's arrival changes none of the first vendor's own figures.
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
		w.at("2026-11-30 12:00")
		clock := func() time.Time { return w.now }
		p := period(t, "2026-09-01", "2026-11-30", "")
		ctx := context.Background()

		first, err := analytics.NewStore(db.Gorm, clock).Compute(ctx, peers[0], p)
		if err != nil {
			t.Fatal(err)
		}
		b, err := analytics.NewStore(db.Gorm, clock).Benchmarks(ctx, peers[3], p)
		if err != nil {
			t.Fatal(err)
		}
		if b.SizeClass != "1–99 invoices" {
			t.Errorf("size class %q", b.SizeClass)
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
		w.at("2026-11-30 12:00")
		store := analytics.NewStore(db.Gorm, clock)
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
		bigB, err := store.Benchmarks(ctx, big, p)
		if err != nil {
			t.Fatal(err)
		}
		if g := shareLate(bigB); bigB.SizeClass != "100–999 invoices" || g.Vendors != 1 || g.Median != nil || *g.Value != 100 {
			t.Errorf("the big vendor: %s", show(bigB))
		}

		after, err := store.Compute(ctx, peers[0], p)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(first, after) {
			t.Fatalf("another vendor changed v0's own figures\nbefore %s\nafter %s", show(first), show(after))
		}

		// Past NetworkTTL the kept values are answered at once while one
		// background pass computes them again: an eleventh vendor shows
		// only once it is done.
		w.at("2026-09-02 10:00")
		seedPeer(w, "v10", 5)
		w.at("2026-11-30 12:11")
		b, err = store.Benchmarks(ctx, peers[3], p)
		if err != nil {
			t.Fatal(err)
		}
		if g := shareLate(b); g.Vendors != 10 {
			t.Errorf("past the TTL, first answer: %s, want the kept values of ten vendors", show(g))
		}
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			b, err = store.Benchmarks(ctx, peers[3], p)
			if err != nil {
				t.Fatal(err)
			}
			if shareLate(b).Vendors == 11 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the background pass never replaced the kept values: %s", show(shareLate(b)))
			}
		}
	})
}
