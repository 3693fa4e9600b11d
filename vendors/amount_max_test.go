package vendors_test

import (
	"context"
	"testing"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/money"
	"github.com/duehub/duehub/vendors"
)

// The database refuses amounts over money.MaxAmount too, for whatever writes
// without going through validation (migration 00012).
func TestDatabaseRefusesAmountsOverTheMaximum(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		s := stores(t, db)
		v, err := s.CreateVendor(ctx, vendors.NewVendor{Name: "Northwind"})
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.PushInvoices(ctx, v.ID, []vendors.InvoiceInput{inv("I-1", "C-1", "ap@acme.example", "")})
		if err != nil || res[0].Result != vendors.ResultCreated {
			t.Fatalf("push: %v %+v", err, res)
		}
		cn := amount(5)
		if _, err := s.PushCredits(ctx, v.ID, []vendors.CreditInput{{ExternalID: "CN-1", Currency: "EUR", Amount: cn,
			Customer: vendors.CustomerInput{ExternalID: "C-1", Email: "ap@acme.example"}}}); err != nil {
			t.Fatal(err)
		}
		if err := db.Gorm.Exec("UPDATE invoices SET amount_due = ?", money.MaxAmount).Error; err != nil {
			t.Fatalf("the maximum itself: %v", err)
		}
		for _, q := range []string{"UPDATE invoices SET amount_due = ?", "UPDATE credit_notes SET amount = ?"} {
			if err := db.Gorm.Exec(q, money.MaxAmount+1).Error; err == nil {
				t.Errorf("%s accepted %d", q, money.MaxAmount+1)
			}
		}
		var due int64
		db.Gorm.Table("invoices").Select("amount_due").Scan(&due)
		if due != money.MaxAmount {
			t.Fatalf("amount_due = %d", due)
		}
	})
}
