package analytics_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/duehub/duehub/analytics"
	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/vendors"
)

// TestAnotherVendorChangesNothing: a second vendor billing the same
// customers (the same payers), with its own payments, disputes, questions,
// members and late reasons, changes none of Northwind's figures; and
// Northwind's report limited to EUR holds only EUR money.
func TestAnotherVendorChangesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newWorld(t, db)
		v := seedNorthwind(w)
		store := analytics.NewStore(db.Gorm, func() time.Time { return w.now })
		p := period(t, "2026-09-01", "2026-11-30", "")
		before, err := store.Compute(context.Background(), v, p)
		if err != nil {
			t.Fatal(err)
		}

		b := w.vendor("Contoso")
		carol := w.member(b, "carol")
		w.at("2026-09-02 10:00").push(b,
			inv{id: "I1", customer: "c1", issue: "2026-09-02", due: "2026-09-20", amount: 9000},
			inv{id: "I2", customer: "c2", issue: "2026-07-02", due: "2026-08-01", amount: 7000},
			inv{id: "X", customer: "c3", currency: "EUR", issue: "2026-09-02", due: "2026-10-02", amount: 700})
		w.at("2026-09-03 10:00").push(b, inv{id: "H", customer: "c1", issue: "2024-01-01", due: "2024-02-01", amount: 100,
			status: "paid", paidAt: "2024-03-01"})
		w.at("2026-10-02 10:00").payAndConfirm(b, carol, "I1", 9000, "2026-10-03 10:00")
		d := w.at("2026-10-21 10:00").dispute(b, "I2", "pricing", 100)
		w.at("2026-10-21 11:00").reply(b, carol, d)
		w.assign(b, carol, d)
		w.at("2026-10-22 11:00").resolve(b, carol, d)
		w.at("2026-11-05 10:00").question(b, "X")
		w.lateReason(b, "I1", "payer", "disputed", "2026-10-03 10:00")
		w.at("2026-11-30 12:00")

		after, err := store.Compute(context.Background(), v, p)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(before, after) {
			t.Fatalf("Contoso's activity changed Northwind's figures\nbefore %s\nafter %s", show(before), show(after))
		}
		if !reflect.DeepEqual(after, golden(w)) {
			t.Fatalf("report %s", show(after))
		}

		eur, err := store.Compute(context.Background(), v, period(t, "2026-09-01", "2026-11-30", "EUR"))
		if err != nil {
			t.Fatal(err)
		}
		if len(eur.DSO) != 1 || eur.DSO[0].Currency != "EUR" || len(eur.Aging) != 1 || eur.Aging[0].Currency != "EUR" ||
			len(eur.LatePaymentsByMonth) != 0 || len(eur.TopDelinquentCustomers) != 1 || eur.InvoiceAccuracy.Invoices != 1 {
			t.Fatalf("EUR report %s", show(eur))
		}
	})
}

func TestParsePeriod(t *testing.T) {
	today := "2026-11-30"
	p := period(t, "", "", "")
	if p.From.String() != "2026-09-02" || p.To.String() != today || p.Days() != 90 {
		t.Fatalf("default period %v – %v", p.From, p.To)
	}
	for _, tc := range []struct{ from, to, currency, field string }{
		{"2026-13-01", "", "", "from"},
		{"", "soon", "", "to"},
		{"2026-11-02", "2026-11-01", "", "to"},
		{"2022-01-01", "2026-11-01", "", "from"},
		{"", "", "usd", "currency"},
	} {
		_, err := analytics.ParsePeriod(tc.from, tc.to, tc.currency, civil.Date{Year: 2026, Month: 11, Day: 30})
		var ve *vendors.ValidationError
		if !errors.As(err, &ve) || ve.Fields[0].Field != tc.field {
			t.Errorf("%+v: %v, want an error on %s", tc, err, tc.field)
		}
	}
}
