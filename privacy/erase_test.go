package privacy_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/audit"
	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/links"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/notify/outbox"
	"github.com/duehub/duehub/payers/payerstest"
	"github.com/duehub/duehub/privacy"
	"github.com/duehub/duehub/vendors"
)

const (
	gone     = "erase.me@acme.example"
	gonePh   = "+15557654321"
	kept     = "keep@other.example"
	goneName = "Erasable Holdings"
)

// TestEraseLeavesNoTrace builds a payer known to two vendors, with a sent
// digest, a question, a suppression and an SMS number, erases it by email,
// then scans every text column of every table for its address and number.
func TestEraseLeavesNoTrace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		w := payerstest.New(t, db)
		w.Now = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC) // a Tuesday, the default digest day
		a, b := w.Vendor("Alpha Supplies"), w.Vendor("Beta Parts")
		withPhone := func(in *vendors.InvoiceInput) {
			in.Customer.Name = goneName
			in.Customer.Phone = gonePh
			in.Customer.SMSConsent = true
			in.Customer.SMSConsentSource = "signed form"
			in.Memo = "PO 4471"
		}
		invA := w.Invoice(a, "A-1", gone, 125000, withPhone)
		w.Invoice(b, "B-1", gone, 5000, withPhone)
		w.Invoice(a, "A-2", kept, 7000)
		payer := w.Payer(gone)
		box := outbox.New(db.Gorm, func() time.Time { return w.Now })
		runner := bundler.NewRunner(bundler.Config{
			DB: db.Gorm, Payers: w.Payers, Vendors: w.Vendors,
			Senders: map[notify.Channel]notify.Sender{notify.Email: box, notify.SMS: box},
			Links:   links.NewSigner("test-secret-0123456789abcdefghijklmnop", "https://hub.example", time.Now),
			BaseURL: "https://hub.example", From: "reminders@hub.example", FromName: "duehub",
			Now: func() time.Time { return w.Now }, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		})
		if r, err := runner.RunOnce(ctx); err != nil || r.Sent() == 0 {
			t.Fatalf("digests: %+v %v", r, err)
		}
		if _, err := w.Threads.AskQuestion(ctx, payer, invA, "Please write to "+gone+" or text "+gonePh); err != nil {
			t.Fatal(err)
		}
		if err := w.Payers.Suppress(ctx, "email", gone, "bounce", "550 no such user "+gone); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, gone); n < 5 {
			t.Fatalf("before erasure the address is in %d columns only: the world is not what the test means", n)
		}

		rep, err := privacy.NewEraser(db.Gorm, func() time.Time { return w.Now }).Erase(ctx, "email", gone)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.PayerIDs) != 1 || rep.PayerIDs[0] != payer || rep.Customers != 2 || rep.Outbox == 0 {
			t.Fatalf("report %+v", rep)
		}
		for _, v := range []string{gone, gonePh, goneName} {
			if n := count(t, db, v); n != 0 {
				t.Errorf("%q is still in %d column(s) after erasure", v, n)
			}
		}
		// Vendors' books keep their amounts and dates, under a pseudonym.
		inv, err := w.Vendors.GetInvoice(ctx, a, "A-1")
		if err != nil || inv.AmountDue != 125000 || inv.DueDate.String() != "2026-11-20" {
			t.Fatalf("invoice after erasure: %+v %v", inv, err)
		}
		var names []string
		db.Gorm.Table("customers").Where("payer_id = ?", payer).Pluck("name", &names)
		if len(names) != 2 || !strings.HasPrefix(names[0], "Erased payer P") {
			t.Fatalf("customer names %v", names)
		}
		// The other payer is untouched.
		if count(t, db, kept) == 0 {
			t.Fatal("the other payer's address was erased too")
		}
		// A suppression stays, without the address.
		var sup int64
		db.Gorm.Table("suppressions").Where("address LIKE 'erased:%' AND reason = 'bounce'").Count(&sup)
		if sup != 1 {
			t.Fatalf("hashed suppressions = %d", sup)
		}
		// The erasure is in the audit log, its target masked.
		es, err := audit.NewStore(db.Gorm).All(ctx, audit.PayerErased, 0, 10)
		if err != nil || len(es) != 1 || es[0].Target != "email e…@acme.example" {
			t.Fatalf("audit %+v %v", es, err)
		}
		// A second erasure finds nobody.
		if _, err := privacy.NewEraser(db.Gorm, nil).Erase(ctx, "email", gone); !errors.Is(err, privacy.ErrNoPayer) {
			t.Fatalf("second erasure: %v", err)
		}
	})
}

// count scans every text column of every table for s and returns in how
// many columns it occurs; it checks the scan covers the columns that
// matter, so an empty column list cannot pass.
func count(t *testing.T, db *database.DB, s string) int {
	t.Helper()
	cols, err := privacy.TextColumns(context.Background(), db.Gorm)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"customers.email": false, "outbox_messages.text_body": false, "thread_messages.body": false, "audit_log.target": false, "events.payload": false}
	n := 0
	for _, c := range cols {
		key := c.Table + "." + c.Name
		if _, ok := want[key]; ok {
			want[key] = true
		}
		expr := `"` + c.Name + `"`
		if c.JSON {
			expr += "::text"
		}
		var hits int64
		if err := db.Gorm.Table(c.Table).Where(expr+" LIKE ?", "%"+s+"%").Count(&hits).Error; err != nil {
			t.Fatalf("scan %s: %v", key, err)
		}
		if hits > 0 {
			t.Logf("%q in %s (%d rows)", s, key, hits)
			n++
		}
	}
	for k, ok := range want {
		if !ok {
			t.Fatalf("the scan misses column %s", k)
		}
	}
	return n
}
