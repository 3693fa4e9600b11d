package vendors_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

func resultsOf(r []vendors.PushResult) []string {
	out := make([]string, len(r))
	for i, x := range r {
		out[i] = x.Result
	}
	return out
}

// bare names customer c and nothing else of it: its stored fields stay.
func bare(id, c string) vendors.InvoiceInput {
	in := inv(id, c, "", "")
	in.Customer.Omitted = vendors.FieldName | vendors.FieldEmail | vendors.FieldPhone | vendors.FieldSMSConsent | vendors.FieldSMSConsentSource
	return in
}

func storedInvoices(t *testing.T, db *database.DB, vendorID int64) map[string]vendors.Invoice {
	t.Helper()
	var rows []vendors.Invoice
	if err := db.Gorm.Where("vendor_id = ?", vendorID).Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := make(map[string]vendors.Invoice, len(rows))
	for _, r := range rows {
		out[r.ExternalID] = r
	}
	return out
}

// TestBatchWithInvalidItemsStoresTheValidOnes pushes one batch mixing valid
// and invalid items (through COPY and one upsert on PostgreSQL, the
// multi-row upsert on SQLite): exactly the valid ones are stored, every item
// has its own result in order, a re-push writes nothing, and what the hub
// settled still caps what a push may claim. Small pushes on PostgreSQL
// (a PUT) skip the COPY: both paths are run.
func TestBatchWithInvalidItemsStoresTheValidOnes(t *testing.T) {
	for _, path := range []struct {
		name        string
		copyMinimum int
	}{{"copy", 1}, {"small", 1 << 20}} {
		t.Run(path.name, func(t *testing.T) {
			defer vendors.SetCopyMinItems(path.copyMinimum)()
			testMixedBatch(t)
		})
	}
}

// testMixedBatch is TestBatchWithInvalidItemsStoresTheValidOnes on both
// databases, with PostgreSQL's push path as the caller set it.
func testMixedBatch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		s := vendors.NewStore(db.Gorm, payers.NewStore(db.Gorm, clock), clock)
		v, err := s.CreateVendor(ctx, vendors.NewVendor{Name: "A"})
		if err != nil {
			t.Fatal(err)
		}
		noCurrency := inv("B", "c1", "ap@one.example", "")
		noCurrency.Currency = ""
		noContact := inv("D", "c-new", "", "")
		withMemo := inv("C", "c2", "ap@two.example", "")
		withMemo.Memo = "PO 4471, café"
		batch := []vendors.InvoiceInput{
			inv("A", "c1", "ap@one.example", ""), noCurrency, withMemo,
			inv("A", "c1", "ap@one.example", ""), // the same external_id twice
			noContact, bare("E", "c1"),
		}
		res, err := s.PushInvoices(ctx, v.ID, batch)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"created", "error", "created", "error", "error", "created"}
		if got := resultsOf(res); !slices.Equal(got, want) {
			t.Fatalf("results %v, want %v (%+v)", got, want, res)
		}
		for i, id := range []string{"A", "B", "C", "A", "D", "E"} {
			if res[i].ExternalID != id {
				t.Errorf("result %d names %q, want %q", i, res[i].ExternalID, id)
			}
		}
		if res[1].Errors[0].Field != "currency" || res[4].Errors[0].Field != "customer.email" {
			t.Errorf("errors %+v / %+v", res[1].Errors, res[4].Errors)
		}
		first := storedInvoices(t, db, v.ID)
		if len(first) != 3 || first["C"].Memo != "PO 4471, café" || first["A"].AmountRemaining != 1000 ||
			first["A"].Status != vendors.StatusOpen || first["E"].CustomerID != first["A"].CustomerID {
			t.Fatalf("stored %+v", first)
		}
		if !first["A"].CreatedAt.Equal(now) || !first["A"].UpdatedAt.Equal(now) {
			t.Fatalf("stamps %v %v, want %v", first["A"].CreatedAt, first["A"].UpdatedAt, now)
		}
		var events int64
		countEvents := func() int64 {
			var n int64
			if err := db.Gorm.Table("events").Where("vendor_id = ?", v.ID).Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}
		events = countEvents()

		// The same batch again, an hour later: nothing changes, nothing is written.
		now = now.Add(time.Hour)
		res, err = s.PushInvoices(ctx, v.ID, batch)
		if err != nil {
			t.Fatal(err)
		}
		want = []string{"unchanged", "error", "unchanged", "error", "error", "unchanged"}
		if got := resultsOf(res); !slices.Equal(got, want) {
			t.Fatalf("re-push results %v, want %v", got, want)
		}
		for id, row := range storedInvoices(t, db, v.ID) {
			if !row.UpdatedAt.Equal(first[id].UpdatedAt) {
				t.Errorf("re-push moved %s's updated_at %v -> %v", id, first[id].UpdatedAt, row.UpdatedAt)
			}
		}
		if n := countEvents(); n != events {
			t.Errorf("re-push wrote %d events", n-events)
		}

		// The hub settled 400 of A: a push of the old remaining amount is
		// capped, so it changes nothing; one that lowers the total to what
		// was settled makes it paid.
		if err := db.Gorm.Exec("UPDATE invoices SET amount_applied = 400, amount_remaining = 600 WHERE vendor_id = ? AND external_id = 'A'", v.ID).Error; err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Hour)
		lower := inv("A", "c1", "ap@one.example", "")
		lower.AmountDue = amount(400)
		changed := withMemo
		changed.Memo = "PO 4472"
		res, err = s.PushInvoices(ctx, v.ID, []vendors.InvoiceInput{inv("A", "c1", "ap@one.example", ""), changed, bare("E", "c1")})
		if err != nil {
			t.Fatal(err)
		}
		if got := resultsOf(res); !slices.Equal(got, []string{"unchanged", "updated", "unchanged"}) {
			t.Fatalf("capped push results %v", got)
		}
		res, err = s.PushInvoices(ctx, v.ID, []vendors.InvoiceInput{lower})
		if err != nil || res[0].Result != vendors.ResultUpdated {
			t.Fatalf("lower total: %v %+v", err, res)
		}
		after := storedInvoices(t, db, v.ID)
		if a := after["A"]; a.AmountRemaining != 0 || a.Status != vendors.StatusPaid || a.AmountApplied != 400 || !a.UpdatedAt.Equal(now) {
			t.Errorf("A after the lower total: %+v", a)
		}
		if c := after["C"]; c.Memo != "PO 4472" || !c.UpdatedAt.Equal(now) || !c.CreatedAt.Equal(first["C"].CreatedAt) {
			t.Errorf("C after its change: %+v", c)
		}

		// A change of the customer alone moves the invoice's updated_at.
		now = now.Add(time.Hour)
		renamed := bare("E", "c1")
		renamed.Customer.Name, renamed.Customer.Omitted = "One, renamed", renamed.Customer.Omitted&^vendors.FieldName
		res, err = s.PushInvoices(ctx, v.ID, []vendors.InvoiceInput{renamed})
		if err != nil || res[0].Result != vendors.ResultUpdated {
			t.Fatalf("renamed customer: %v %+v", err, res)
		}
		if e := storedInvoices(t, db, v.ID)["E"]; !e.UpdatedAt.Equal(now) {
			t.Errorf("E after its customer changed: updated_at %v, want %v", e.UpdatedAt, now)
		}
	})
}
