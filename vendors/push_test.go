package vendors_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

func stores(t *testing.T, db *database.DB) *vendors.Store {
	return vendors.NewStore(db.Gorm, payers.NewStore(db.Gorm, time.Now), time.Now)
}

func amount(n int64) *int64 { return &n }

func inv(id, customer, email, phone string) vendors.InvoiceInput {
	return vendors.InvoiceInput{
		ExternalID: id, Currency: "EUR", AmountDue: amount(1000), DueDate: "2026-12-01",
		Customer: vendors.CustomerInput{ExternalID: customer, Name: customer, Email: email, Phone: phone},
	}
}

func payerOf(t *testing.T, db *database.DB, vendorID int64, customer string) int64 {
	t.Helper()
	var id int64
	err := db.Gorm.Table("customers").Select("payer_id").Where("vendor_id = ? AND external_id = ?", vendorID, customer).Scan(&id).Error
	if err != nil || id == 0 {
		t.Fatalf("payer of %s: %v", customer, err)
	}
	return id
}

func TestCustomersReachOnePayerAcrossVendors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		s := stores(t, db)
		a, _ := s.CreateVendor(ctx, vendors.NewVendor{Name: "A"})
		b, _ := s.CreateVendor(ctx, vendors.NewVendor{Name: "B"})
		c, _ := s.CreateVendor(ctx, vendors.NewVendor{Name: "C"})

		must(t)(s.PushInvoices(ctx, a.ID, []vendors.InvoiceInput{inv("1", "acme", "ap@acme.example", "")}))
		must(t)(s.PushInvoices(ctx, b.ID, []vendors.InvoiceInput{inv("1", "ACME-LTD", " AP@ACME.example", "+15551230000")}))
		must(t)(s.PushInvoices(ctx, c.ID, []vendors.InvoiceInput{inv("1", "k9", "", "+1 555 123 0000")}))

		pa, pb, pc := payerOf(t, db, a.ID, "acme"), payerOf(t, db, b.ID, "ACME-LTD"), payerOf(t, db, c.ID, "k9")
		if pa != pb {
			t.Fatalf("same email, different payers: %d %d", pa, pb)
		}
		if pc != pa {
			t.Fatalf("a phone-only customer whose number belongs to a payer got payer %d, not that payer %d", pc, pa)
		}
		var contacts []payers.Contact
		db.Gorm.Where("payer_id = ?", pa).Order("kind").Find(&contacts)
		if len(contacts) != 2 || contacts[0].Value != "ap@acme.example" || contacts[1].Value != "+15551230000" {
			t.Fatalf("contacts of the shared payer: %+v", contacts)
		}

		// A customer whose AP email changes moves to the payer of the new address.
		res := must(t)(s.PushInvoices(ctx, a.ID, []vendors.InvoiceInput{inv("1", "acme", "payables@acme.example", "")}))
		if res[0].Result != vendors.ResultUpdated {
			t.Fatalf("contact change reported %q", res[0].Result)
		}
		if payerOf(t, db, a.ID, "acme") == pa {
			t.Fatal("customer still linked to the old payer")
		}
	})
}

func TestLastMentionOfACustomerInABatchWins(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		s := stores(t, db)
		v, _ := s.CreateVendor(ctx, vendors.NewVendor{Name: "A"})
		first, second := inv("1", "acme", "old@acme.example", ""), inv("2", "acme", "new@acme.example", "")
		must(t)(s.PushInvoices(ctx, v.ID, []vendors.InvoiceInput{first, second}))
		got, err := s.GetInvoice(ctx, v.ID, "1")
		if err != nil || got.Customer.Email != "new@acme.example" {
			t.Fatalf("customer = %+v, %v", got.Customer, err)
		}
	})
}

func TestConcurrentPushesOfTheSameInvoices(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		s := stores(t, db)
		v, _ := s.CreateVendor(ctx, vendors.NewVendor{Name: "A"})
		items := make([]vendors.InvoiceInput, 100)
		for i := range items {
			items[i] = inv(fmt.Sprint(i), fmt.Sprint("c", i%10), fmt.Sprintf("ap%d@p.example", i%10), "")
		}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.PushInvoices(ctx, v.ID, items); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		var n int64
		db.Gorm.Table("invoices").Count(&n)
		if n != 100 {
			t.Fatalf("%d invoices, want 100", n)
		}
		db.Gorm.Table("payers").Count(&n)
		if n != 10 {
			t.Fatalf("%d payers, want 10", n)
		}
	})
}

func must(t *testing.T) func([]vendors.PushResult, error) []vendors.PushResult {
	return func(r []vendors.PushResult, err error) []vendors.PushResult {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range r {
			if x.Result == vendors.ResultError {
				t.Fatalf("push error: %+v", x)
			}
		}
		return r
	}
}
