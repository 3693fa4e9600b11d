package payers_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

func TestPromise(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		w := newActionWorld(t, db)
		north := w.vendor("Northwind")
		inv := w.invoice(north, "N-1", "ap@acme.example", 125000)
		stranger := w.invoice(north, "X-1", "ap@other.example", 100)
		acme := w.payer("ap@acme.example")
		today := civil.Of(w.now)

		for _, c := range []struct {
			name   string
			date   civil.Date
			amount int64
			field  string
		}{
			{"no date", civil.Date{}, 0, "date"},
			{"yesterday", today.AddDays(-1), 0, "date"},
			{"today", today, 0, "date"},
			{"beyond 60 days", today.AddDays(payers.PromiseDays + 1), 0, "date"},
			{"above remaining", today.AddDays(3), 125001, "amount"},
			{"negative", today.AddDays(3), -1, "amount"},
		} {
			if _, err := w.payers.Promise(ctx, acme, inv, c.date, c.amount); invalidField(t, err) != c.field {
				t.Errorf("%s: %v", c.name, err)
			}
		}
		if _, err := w.payers.Promise(ctx, acme, stranger, today.AddDays(3), 0); !errors.Is(err, payers.ErrNotFound) {
			t.Errorf("promise on another payer's invoice: %v", err)
		}
		if w.count("holds") != 0 || len(w.events(north)) != 0 {
			t.Fatal("a refused promise stored something")
		}

		first, err := w.payers.Promise(ctx, acme, inv, today.AddDays(payers.PromiseDays), 0)
		if err != nil {
			t.Fatalf("a promise 60 days ahead: %v", err)
		}
		h, err := w.payers.Promise(ctx, acme, inv, today.AddDays(7), 50000)
		if err != nil {
			t.Fatal(err)
		}
		// Until the end of the promised day (UTC for a payer without a timezone).
		if want := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC); h.Kind != payers.HoldPromise || h.Amount != 50000 || !h.Until.Equal(want) {
			t.Fatalf("promise hold: %+v, until %v", h, h.Until)
		}
		var held []payers.Hold
		db.Gorm.Order("id").Find(&held)
		if len(held) != 2 || held[0].ID != first.ID || held[0].ReleasedAt == nil || held[1].ReleasedAt != nil {
			t.Fatalf("a new promise does not replace the earlier one: %+v", held)
		}
		if got := w.holdOf(acme, inv); got != payers.HoldPromise {
			t.Fatalf("hold after promising: %q", got)
		}
		evs := w.events(north)["promise.created"]
		if len(evs) != 2 || evs[0]["amount"] != float64(125000) || evs[1]["amount"] != float64(50000) ||
			evs[1]["promised_date"] != "2026-11-30" || evs[1]["invoice_external_id"] != "N-1" {
			t.Fatalf("promise events: %v", evs)
		}

		// A payer with a timezone promises by the end of its own day.
		db.Gorm.Table("payers").Where("id = ?", acme).Update("timezone", "America/New_York")
		h, err = w.payers.Promise(ctx, acme, inv, today.AddDays(7), 0)
		if err != nil || !h.Until.Equal(time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC)) {
			t.Fatalf("New York promise: %v, %v", h.Until, err)
		}
	})
}

func TestBreakPromises(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		w := newActionWorld(t, db)
		north, contoso := w.vendor("Northwind"), w.vendor("Contoso")
		unpaid := w.invoice(north, "N-1", "ap@acme.example", 125000)
		paid := w.invoice(north, "N-2", "ap@acme.example", 7000)
		later := w.invoice(contoso, "C-1", "ap@acme.example", 9000)
		acme := w.payer("ap@acme.example")
		today := civil.Of(w.now)

		for _, p := range []struct {
			inv  int64
			days int
		}{{unpaid, 2}, {paid, 2}, {later, 10}} {
			if _, err := w.payers.Promise(ctx, acme, p.inv, today.AddDays(p.days), 0); err != nil {
				t.Fatal(err)
			}
		}
		zero := int64(0)
		w.invoice(north, "N-2", "ap@acme.example", 7000, func(in *vendors.InvoiceInput) { in.AmountRemaining = &zero })

		// The promised day is not over yet.
		w.now = time.Date(2026, 11, 25, 23, 59, 0, 0, time.UTC)
		if n, err := w.payers.BreakPromises(ctx, w.now); n != 0 || err != nil {
			t.Fatalf("before the day ended: %d, %v", n, err)
		}
		if w.holdOf(acme, unpaid) != payers.HoldPromise {
			t.Fatal("the promise stopped holding before its day ended")
		}

		w.now = time.Date(2026, 11, 26, 0, 0, 1, 0, time.UTC)
		// Run twice (a retried job, a second process): broken once.
		for i, want := range []int{1, 0} {
			if n, err := w.payers.BreakPromises(ctx, w.now); err != nil || n != want {
				t.Fatalf("break run %d: %d, %v", i+1, n, err)
			}
		}
		evs := w.events(north)["promise.broken"]
		if len(evs) != 1 || evs[0]["invoice_external_id"] != "N-1" || evs[0]["promised_date"] != "2026-11-25" ||
			evs[0]["amount_remaining"] != float64(125000) {
			t.Fatalf("broken promise events: %v", evs)
		}
		if len(w.events(contoso)["promise.broken"]) != 0 {
			t.Fatal("a promise still running was broken")
		}
		// Reminders resume: the lapsed promise holds nothing any more.
		if got := w.holdOf(acme, unpaid); got != "" {
			t.Fatalf("hold after the promise broke: %q", got)
		}
		var h payers.Hold
		db.Gorm.Where("invoice_id = ?", unpaid).Take(&h)
		if h.BrokenAt == nil {
			t.Fatal("broken_at not set")
		}
		var kept payers.Hold
		db.Gorm.Where("invoice_id = ?", paid).Take(&kept)
		if kept.ID == 0 || kept.BrokenAt != nil {
			t.Fatal("a promise kept (invoice paid) was marked broken")
		}
	})
}

func TestPayClicked(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		w := newActionWorld(t, db)
		north := w.vendor("Northwind")
		inv := w.invoice(north, "N-1", "ap@acme.example", 125000)
		noURL := w.invoice(north, "N-2", "ap@acme.example", 100, func(in *vendors.InvoiceInput) { in.PayURL = "" })
		stranger := w.invoice(north, "X-1", "ap@other.example", 100)
		acme := w.payer("ap@acme.example")

		if _, err := w.payers.PayClicked(ctx, acme, noURL); !errors.Is(err, payers.ErrNoPayURL) {
			t.Fatalf("no pay url: %v", err)
		}
		if _, err := w.payers.PayClicked(ctx, acme, stranger); !errors.Is(err, payers.ErrNotFound) {
			t.Fatalf("another payer's invoice: %v", err)
		}
		if len(w.events(north)) != 0 {
			t.Fatal("a refused click was recorded")
		}
		to, err := w.payers.PayClicked(ctx, acme, inv)
		if err != nil || to != "https://pay.example/N-1" {
			t.Fatalf("pay: %q, %v", to, err)
		}
		if evs := w.events(north)["pay.clicked"]; len(evs) != 1 || evs[0]["invoice_external_id"] != "N-1" {
			t.Fatalf("pay events: %v", evs)
		}
	})
}

func TestMuteAndPause(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		w := newActionWorld(t, db)
		north, contoso := w.vendor("Northwind"), w.vendor("Contoso")
		inv := w.invoice(north, "N-1", "ap@acme.example", 125000)
		w.invoice(contoso, "X-1", "ap@other.example", 100)
		acme := w.payer("ap@acme.example")

		if err := w.payers.MuteVendor(ctx, acme, contoso); !errors.Is(err, payers.ErrNotFound) {
			t.Fatalf("muting a vendor that does not bill the payer: %v", err)
		}
		if w.count("payer_mutes") != 0 {
			t.Fatal("a refused mute was stored")
		}
		if err := w.payers.MuteVendor(ctx, acme, north); err != nil {
			t.Fatal(err)
		}
		if err := w.payers.MuteVendor(ctx, acme, north); err != nil {
			t.Fatalf("muting twice: %v", err)
		}
		open, _ := w.payers.OpenInvoices(ctx, acme, w.now)
		if len(open) != 1 || open[0].InvoiceID != inv || !open[0].Muted {
			t.Fatalf("after mute: %+v", open)
		}

		for name, until := range map[string]time.Time{"past": w.now.Add(-time.Hour), "now": w.now,
			"beyond 90 days": w.now.AddDate(0, 0, payers.PauseDays+1)} {
			if err := w.payers.PauseUntil(ctx, acme, until); invalidField(t, err) != "until" {
				t.Errorf("pause %s: %v", name, err)
			}
		}
		if p, _ := w.payers.Get(ctx, acme); p.PausedUntil != nil {
			t.Fatal("a refused pause was stored")
		}
		p, _ := w.payers.Get(ctx, acme)
		until := p.EndOfDay(civil.Of(w.now).AddDays(payers.PauseDays))
		if err := w.payers.PauseUntil(ctx, acme, until); err != nil {
			t.Fatalf("pause 90 days: %v", err)
		}
		if p, _ := w.payers.Get(ctx, acme); p.PausedUntil == nil || !p.PausedUntil.Equal(until) {
			t.Fatalf("paused until %v, want %v", p.PausedUntil, until)
		}
	})
}
