package payers_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/payers/payerstest"
	"github.com/duehub/duehub/vendors"
)

// TestBatchReadersMatchThePerPayerOnes: the digest pass reads many payers
// at once; each payer must get exactly what OpenInvoices and Recipients give
// it alone, in the same order, and nothing of any other payer.
func TestBatchReadersMatchThePerPayerOnes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		w := payerstest.New(t, db)
		north, contoso := w.Vendor("Northwind"), w.Vendor("Contoso")
		phone := func(in *vendors.InvoiceInput) {
			in.Customer.Phone, in.Customer.SMSConsent, in.Customer.SMSConsentSource = "+15551230000", true, "checkout"
		}
		due := func(d string) func(*vendors.InvoiceInput) { return func(in *vendors.InvoiceInput) { in.DueDate = d } }
		w.Invoice(north, "N-1", "ap@acme.example", 1000, due("2026-11-25"))
		promised := w.Invoice(north, "N-2", "ap@acme.example", 2000, due("2026-11-10"))
		w.Invoice(contoso, "C-1", "ap@acme.example", 3000, due("2026-11-18"))
		w.Invoice(contoso, "C-2", "ap@beta.example", 400, phone)
		w.Invoice(north, "N-3", "ap@beta.example", 500, due("2026-12-01"))
		w.Invoice(north, "N-4", "gone@gamma.example", 600)
		acme, beta, gamma := w.Payer("ap@acme.example"), w.Payer("ap@beta.example"), w.Payer("gone@gamma.example")
		// A New York payer's promise is dated in its own zone; a mute; a
		// suppressed address.
		db.Gorm.Table("payers").Where("id = ?", acme).Update("timezone", "America/New_York")
		if _, err := w.Payers.Promise(ctx, acme, promised, civil.Of(w.Now).AddDays(5), 0); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Payers.AddContact(ctx, acme, "email", "approver@acme.example", "cc"); err != nil {
			t.Fatal(err)
		}
		if err := w.Payers.Mute(ctx, beta, contoso); err != nil {
			t.Fatal(err)
		}
		if err := w.Payers.Suppress(ctx, "email", "gone@gamma.example", payers.SuppressBounce, "test"); err != nil {
			t.Fatal(err)
		}

		ids := []int64{gamma, acme, beta}
		ps, err := w.Payers.GetMany(ctx, ids)
		if err != nil || len(ps) != 3 {
			t.Fatalf("GetMany: %d payers, %v", len(ps), err)
		}
		open, err := w.Payers.OpenInvoicesOf(ctx, ps, ids, w.Now)
		if err != nil {
			t.Fatal(err)
		}
		rcpts, err := w.Payers.RecipientsOf(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			one, err := w.Payers.OpenInvoices(ctx, id, w.Now)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(open[id], one) {
				t.Errorf("payer %d: batch read\n%+v\nalone\n%+v", id, open[id], one)
			}
			r, err := w.Payers.Recipients(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(rcpts[id], r) {
				t.Errorf("payer %d recipients: batch %+v, alone %+v", id, rcpts[id], r)
			}
		}
		// The fixture means what it says.
		if len(open[acme]) != 3 || open[acme][0].PromisedFor.IsZero() || len(open[beta]) != 2 || !open[beta][0].Muted && !open[beta][1].Muted {
			t.Errorf("fixture: acme %+v, beta %+v", open[acme], open[beta])
		}
		if len(rcpts[beta].SMS) != 1 || len(rcpts[gamma].To) != 0 || len(rcpts[acme].CC) != 1 {
			t.Errorf("fixture: beta %+v, gamma %+v", rcpts[beta], rcpts[gamma])
		}
		// Only the payers asked for.
		some, err := w.Payers.OpenInvoicesOf(ctx, ps, []int64{beta}, w.Now)
		if err != nil || len(some) != 1 || len(some[beta]) != 2 {
			t.Errorf("one payer asked: %v %v", some, err)
		}
	})
}
