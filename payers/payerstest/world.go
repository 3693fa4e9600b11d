// Package payerstest is a small world of vendors, payers and threads on a
// real database, for the tests of those packages.
package payerstest

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
)

// World is two vendors billing payers on a real database, with a
// settable clock.
type World struct {
	T       *testing.T
	DB      *database.DB
	Payers  *payers.Store
	Vendors *vendors.Store
	Threads *threads.Store
	Now     time.Time // the clock of every store; tests move it
}

// New starts a world on db at 23 Nov 2026 10:00 UTC.
func New(t *testing.T, db *database.DB) *World {
	w := &World{T: t, DB: db, Now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return w.Now }
	w.Payers = payers.NewStore(db.Gorm, clock)
	w.Vendors = vendors.NewStore(db.Gorm, w.Payers, clock)
	w.Threads = threads.NewStore(db.Gorm, w.Payers, clock)
	return w
}

// Vendor creates a vendor and returns its id.
func (w *World) Vendor(name string) int64 {
	w.T.Helper()
	v, err := w.Vendors.CreateVendor(context.Background(), vendors.NewVendor{Name: name})
	if err != nil {
		w.T.Fatal(err)
	}
	return v.ID
}

// Invoice pushes an invoice for the customer whose AP is email; edit
// changes it before the push.
func (w *World) Invoice(vendorID int64, ext, email string, amount int64, edit ...func(*vendors.InvoiceInput)) int64 {
	w.T.Helper()
	in := vendors.InvoiceInput{ExternalID: ext, Currency: "USD", AmountDue: &amount, DueDate: "2026-11-20",
		PayURL: "https://pay.example/" + ext, Customer: vendors.CustomerInput{ExternalID: "C-" + email, Name: "Acme", Email: email}}
	for _, f := range edit {
		f(&in)
	}
	res, err := w.Vendors.PushInvoices(context.Background(), vendorID, []vendors.InvoiceInput{in})
	if err != nil || res[0].Result == vendors.ResultError {
		w.T.Fatalf("push: %v %+v", err, res)
	}
	inv, err := w.Vendors.GetInvoice(context.Background(), vendorID, ext)
	if err != nil {
		w.T.Fatal(err)
	}
	return inv.ID
}

// Payer returns the id of the payer of an email address.
func (w *World) Payer(email string) int64 {
	w.T.Helper()
	p, err := w.Payers.FindByEmail(context.Background(), email)
	if err != nil {
		w.T.Fatal(err)
	}
	return p.ID
}

// Events returns the vendor's events as type → payloads.
func (w *World) Events(vendorID int64) map[string][]map[string]any {
	w.T.Helper()
	evs, err := w.Vendors.Events(context.Background(), vendorID, 0, 1000)
	if err != nil {
		w.T.Fatal(err)
	}
	out := map[string][]map[string]any{}
	for _, e := range evs {
		var p map[string]any
		if err := json.Unmarshal([]byte(e.Payload), &p); err != nil {
			w.T.Fatal(err)
		}
		out[e.Type] = append(out[e.Type], p)
	}
	return out
}

// Count counts the rows of a table.
func (w *World) Count(table string) int64 {
	w.T.Helper()
	var n int64
	if err := w.DB.Gorm.Table(table).Count(&n).Error; err != nil {
		w.T.Fatal(err)
	}
	return n
}

// HoldOf returns the active hold kind of the payer's open invoice.
func (w *World) HoldOf(payerID, invoiceID int64) string {
	w.T.Helper()
	open, err := w.Payers.OpenInvoices(context.Background(), payerID, w.Now)
	if err != nil {
		w.T.Fatal(err)
	}
	for _, o := range open {
		if o.InvoiceID == invoiceID {
			return o.HoldKind
		}
	}
	w.T.Fatalf("invoice %d is not among the payer's open invoices", invoiceID)
	return ""
}

// InvalidField returns the fields a validation error names, or fails.
func InvalidField(t *testing.T, err error) string {
	t.Helper()
	var ve *vendors.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a validation error, got %v", err)
	}
	var f []string
	for _, fe := range ve.Fields {
		f = append(f, fe.Field)
	}
	return strings.Join(f, ",")
}
