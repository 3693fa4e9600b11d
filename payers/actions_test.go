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
	"github.com/duehub/duehub/payers/payerstest"
	"github.com/duehub/duehub/vendors"
)

func TestPromise(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		w := payerstest.New(t, db)
		north := w.Vendor("Northwind")
		inv := w.Invoice(north, "N-1", "ap@acme.example", 125000)
		stranger := w.Invoice(north, "X-1", "ap@other.example", 100)
		acme := w.Payer("ap@acme.example")
		today := civil.Of(w.Now)

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
			if _, err := w.Payers.Promise(ctx, acme, inv, c.date, c.amount); payerstest.InvalidField(t, err) != c.field {
				t.Errorf("%s: %v", c.name, err)
			}
		}
		if _, err := w.Payers.Promise(ctx, acme, stranger, today.AddDays(3), 0); !errors.Is(err, payers.ErrNotFound) {
			t.Errorf("promise on another payer's invoice: %v", err)
		}
		if w.Count("holds") != 0 || len(w.Events(north)) != 0 {
			t.Fatal("a refused promise stored something")
		}

		first, err := w.Payers.Promise(ctx, acme, inv, today.AddDays(payers.PromiseDays), 0)
		if err != nil {
			t.Fatalf("a promise 60 days ahead: %v", err)
		}
		h, err := w.Payers.Promise(ctx, acme, inv, today.AddDays(7), 50000)
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
		if got := w.HoldOf(acme, inv); got != payers.HoldPromise {
			t.Fatalf("hold after promising: %q", got)
		}
		evs := w.Events(north)["promise.created"]
		if len(evs) != 2 || evs[0]["amount"] != float64(125000) || evs[1]["amount"] != float64(50000) ||
			evs[1]["promised_date"] != "2026-11-30" || evs[1]["invoice_external_id"] != "N-1" {
			t.Fatalf("promise events: %v", evs)
		}

		// A payer with a timezone promises by the end of its own day.
		db.Gorm.Table("payers").Where("id = ?", acme).Update("timezone", "America/New_York")
		h, err = w.Payers.Promise(ctx, acme, inv, today.AddDays(7), 0)
		if err != nil || !h.Until.Equal(time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC)) {
			t.Fatalf("New York promise: %v, %v", h.Until, err)
		}
	})
}

func TestBreakPromises(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		w := payerstest.New(t, db)
		north, contoso := w.Vendor("Northwind"), w.Vendor("Contoso")
		unpaid := w.Invoice(north, "N-1", "ap@acme.example", 125000)
		paid := w.Invoice(north, "N-2", "ap@acme.example", 7000)
		later := w.Invoice(contoso, "C-1", "ap@acme.example", 9000)
		acme := w.Payer("ap@acme.example")
		today := civil.Of(w.Now)

		for _, p := range []struct {
			inv  int64
			days int
		}{{unpaid, 2}, {paid, 2}, {later, 10}} {
			if _, err := w.Payers.Promise(ctx, acme, p.inv, today.AddDays(p.days), 0); err != nil {
				t.Fatal(err)
			}
		}
		zero := int64(0)
		w.Invoice(north, "N-2", "ap@acme.example", 7000, func(in *vendors.InvoiceInput) { in.AmountRemaining = &zero })

		// The promised day is not over yet.
		w.Now = time.Date(2026, 11, 25, 23, 59, 0, 0, time.UTC)
		if n, err := w.Payers.BreakPromises(ctx, w.Now); n != 0 || err != nil {
			t.Fatalf("before the day ended: %d, %v", n, err)
		}
		if w.HoldOf(acme, unpaid) != payers.HoldPromise {
			t.Fatal("the promise stopped holding before its day ended")
		}

		w.Now = time.Date(2026, 11, 26, 0, 0, 1, 0, time.UTC)
		// Run twice (a retried job, a second process): broken once.
		for i, want := range []int{1, 0} {
			if n, err := w.Payers.BreakPromises(ctx, w.Now); err != nil || n != want {
				t.Fatalf("break run %d: %d, %v", i+1, n, err)
			}
		}
		evs := w.Events(north)["promise.broken"]
		if len(evs) != 1 || evs[0]["invoice_external_id"] != "N-1" || evs[0]["promised_date"] != "2026-11-25" ||
			evs[0]["amount_remaining"] != float64(125000) {
			t.Fatalf("broken promise events: %v", evs)
		}
		if len(w.Events(contoso)["promise.broken"]) != 0 {
			t.Fatal("a promise still running was broken")
		}
		// Reminders resume: the lapsed promise holds nothing any more.
		if got := w.HoldOf(acme, unpaid); got != "" {
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
		w := payerstest.New(t, db)
		north := w.Vendor("Northwind")
		inv := w.Invoice(north, "N-1", "ap@acme.example", 125000)
		noURL := w.Invoice(north, "N-2", "ap@acme.example", 100, func(in *vendors.InvoiceInput) { in.PayURL = "" })
		stranger := w.Invoice(north, "X-1", "ap@other.example", 100)
		acme := w.Payer("ap@acme.example")

		if _, err := w.Payers.PayClicked(ctx, acme, noURL); !errors.Is(err, payers.ErrNoPayURL) {
			t.Fatalf("no pay url: %v", err)
		}
		if _, err := w.Payers.PayClicked(ctx, acme, stranger); !errors.Is(err, payers.ErrNotFound) {
			t.Fatalf("another payer's invoice: %v", err)
		}
		if len(w.Events(north)) != 0 {
			t.Fatal("a refused click was recorded")
		}
		to, err := w.Payers.PayClicked(ctx, acme, inv)
		if err != nil || to != "https://pay.example/N-1" {
			t.Fatalf("pay: %q, %v", to, err)
		}
		if evs := w.Events(north)["pay.clicked"]; len(evs) != 1 || evs[0]["invoice_external_id"] != "N-1" {
			t.Fatalf("pay events: %v", evs)
		}
	})
}

func TestMuteAndPause(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		w := payerstest.New(t, db)
		north, contoso := w.Vendor("Northwind"), w.Vendor("Contoso")
		inv := w.Invoice(north, "N-1", "ap@acme.example", 125000)
		w.Invoice(contoso, "X-1", "ap@other.example", 100)
		acme := w.Payer("ap@acme.example")

		if err := w.Payers.MuteVendor(ctx, acme, contoso); !errors.Is(err, payers.ErrNotFound) {
			t.Fatalf("muting a vendor that does not bill the payer: %v", err)
		}
		if w.Count("payer_mutes") != 0 {
			t.Fatal("a refused mute was stored")
		}
		if err := w.Payers.MuteVendor(ctx, acme, north); err != nil {
			t.Fatal(err)
		}
		if err := w.Payers.MuteVendor(ctx, acme, north); err != nil {
			t.Fatalf("muting twice: %v", err)
		}
		open, _ := w.Payers.OpenInvoices(ctx, acme, w.Now)
		if len(open) != 1 || open[0].InvoiceID != inv || !open[0].Muted {
			t.Fatalf("after mute: %+v", open)
		}

		for name, until := range map[string]time.Time{"past": w.Now.Add(-time.Hour), "now": w.Now,
			"beyond 90 days": w.Now.AddDate(0, 0, payers.PauseDays+1)} {
			if err := w.Payers.PauseUntil(ctx, acme, until); payerstest.InvalidField(t, err) != "until" {
				t.Errorf("pause %s: %v", name, err)
			}
		}
		if p, _ := w.Payers.Get(ctx, acme); p.PausedUntil != nil {
			t.Fatal("a refused pause was stored")
		}
		p, _ := w.Payers.Get(ctx, acme)
		until := p.EndOfDay(civil.Of(w.Now).AddDays(payers.PauseDays))
		if err := w.Payers.PauseUntil(ctx, acme, until); err != nil {
			t.Fatalf("pause 90 days: %v", err)
		}
		if p, _ := w.Payers.Get(ctx, acme); p.PausedUntil == nil || !p.PausedUntil.Equal(until) {
			t.Fatalf("paused until %v, want %v", p.PausedUntil, until)
		}
	})
}
