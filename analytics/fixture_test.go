package analytics_test

import (
	"context"
	"testing"
	"time"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
)

// world is a hub with a clock the test moves.
type world struct {
	t       *testing.T
	db      *database.DB
	now     time.Time
	vendors *vendors.Store
	payers  *payers.Store
	threads *threads.Store
}

func newWorld(t *testing.T, db *database.DB) *world {
	w := &world{t: t, db: db}
	clock := func() time.Time { return w.now }
	w.payers = payers.NewStore(db.Gorm, clock)
	w.vendors = vendors.NewStore(db.Gorm, w.payers, clock)
	w.threads = threads.NewStore(db.Gorm, w.payers, clock)
	return w
}

func at(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func (w *world) at(s string) *world { w.now = at(s); return w }

func (w *world) vendor(name string) int64 {
	w.t.Helper()
	v, err := w.vendors.CreateVendor(context.Background(), vendors.NewVendor{Name: name})
	if err != nil {
		w.t.Fatal(err)
	}
	return v.ID
}

func (w *world) member(vendorID int64, name string) int64 {
	w.t.Helper()
	m, err := w.vendors.InviteMember(context.Background(), vendorID,
		vendors.NewMember{Email: name + "@vendor.example", Name: name, Role: vendors.RoleAgent})
	if err != nil {
		w.t.Fatal(err)
	}
	return m.ID
}

// inv is an invoice of customer c (whose AP inbox is c@payer.example).
type inv struct {
	id, customer, currency, issue, due, status, paidAt string
	amount                                             int64
	remaining                                          *int64
}

func (w *world) push(vendorID int64, items ...inv) {
	w.t.Helper()
	in := make([]vendors.InvoiceInput, len(items))
	for i, it := range items {
		cur := it.currency
		if cur == "" {
			cur = "USD"
		}
		amount := it.amount
		in[i] = vendors.InvoiceInput{ExternalID: it.id, Currency: cur, AmountDue: &amount, AmountRemaining: it.remaining,
			IssueDate: it.issue, DueDate: it.due, Status: it.status, PaidAt: it.paidAt,
			Customer: vendors.CustomerInput{ExternalID: it.customer, Name: "Customer " + it.customer, Email: it.customer + "@payer.example"}}
	}
	res, err := w.vendors.PushInvoices(context.Background(), vendorID, in)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, r := range res {
		if r.Result == vendors.ResultError {
			w.t.Fatalf("push %s: %+v", r.ExternalID, r.Errors)
		}
	}
}

func (w *world) invoice(vendorID int64, externalID string) (id, payerID int64) {
	w.t.Helper()
	var row struct{ ID, PayerID int64 }
	err := w.db.Gorm.Raw(`SELECT i.id, c.payer_id FROM invoices i JOIN customers c ON c.id = i.customer_id
WHERE i.vendor_id = ? AND i.external_id = ?`, vendorID, externalID).Scan(&row).Error
	if err != nil || row.ID == 0 {
		w.t.Fatalf("invoice %s: %v", externalID, err)
	}
	return row.ID, row.PayerID
}

func (w *world) dispute(vendorID int64, externalID, reason string, amount int64) int64 {
	w.t.Helper()
	id, payer := w.invoice(vendorID, externalID)
	th, err := w.threads.OpenDispute(context.Background(), payer, id, reason, amount, "see note")
	if err != nil {
		w.t.Fatal(err)
	}
	return th.ID
}

func (w *world) question(vendorID int64, externalID string) int64 {
	w.t.Helper()
	id, payer := w.invoice(vendorID, externalID)
	th, err := w.threads.AskQuestion(context.Background(), payer, id, "Which PO is this?")
	if err != nil {
		w.t.Fatal(err)
	}
	return th.ID
}

func as(member int64) context.Context { return payers.WithActor(context.Background(), member) }

func (w *world) reply(vendorID, member, thread int64) {
	w.t.Helper()
	if _, err := w.threads.VendorReply(as(member), vendorID, thread, "Looking into it."); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) resolve(vendorID, member, thread int64) {
	w.t.Helper()
	if _, err := w.threads.ResolveThread(as(member), vendorID, thread, threads.ThreadOutcomes[0], ""); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) assign(vendorID, member, thread int64) {
	w.t.Helper()
	if err := w.threads.AssignThread(as(member), vendorID, thread, member); err != nil {
		w.t.Fatal(err)
	}
}

// payAndConfirm reports a payment of an invoice's whole remaining amount as
// its payer, then the vendor's member confirms it at confirmAt.
func (w *world) payAndConfirm(vendorID, member int64, externalID string, amount int64, confirmAt string) {
	w.t.Helper()
	id, payer := w.invoice(vendorID, externalID)
	reps, err := w.payers.ReportPayment(context.Background(), payer, payers.Report{Method: "bank_transfer",
		PaidOn: civil.Of(w.now), Lines: []payers.ReportLine{{InvoiceID: id, Amount: amount}}})
	if err != nil || len(reps) != 1 {
		w.t.Fatalf("report payment: %v", err)
	}
	w.at(confirmAt)
	if _, err := w.payers.ConfirmPayment(as(member), vendorID, reps[0].ID); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) lateReason(vendorID int64, externalID, source, reason, when string) {
	w.t.Helper()
	id, _ := w.invoice(vendorID, externalID)
	err := w.db.Gorm.Exec(`INSERT INTO late_reasons (vendor_id, invoice_id, source, reason, created_at) VALUES (?, ?, ?, ?, ?)`,
		vendorID, id, source, reason, at(when)).Error
	if err != nil {
		w.t.Fatal(err)
	}
}

func amt(n int64) *int64 { return &n }

// seedNorthwind writes the fixture history of the golden test (see
// TestGoldenFigures for the values it yields) and returns the vendor.
func seedNorthwind(w *world) int64 {
	v := w.vendor("Northwind")
	alice, bob := w.member(v, "alice"), w.member(v, "bob")

	// Before the period.
	w.at("2026-07-01 10:00").push(v, inv{id: "I1", customer: "c1", issue: "2026-07-01", due: "2026-07-31", amount: 1000})
	w.at("2026-08-01 10:00").push(v, inv{id: "I2", customer: "c1", issue: "2026-08-01", due: "2026-08-31", amount: 2000})
	w.at("2026-08-20 10:00").push(v, inv{id: "I2", customer: "c1", issue: "2026-08-01", due: "2026-08-31", amount: 2000, remaining: amt(500)})

	// The period: 2026-09-01 to 2026-11-30.
	w.at("2026-09-01 10:00").push(v, inv{id: "I5", customer: "c1", issue: "2026-09-01", due: "2026-10-01", amount: 1500})
	w.at("2026-09-10 10:00").push(v, inv{id: "I1", customer: "c1", issue: "2026-07-01", due: "2026-07-31", amount: 1000, status: "paid"})
	w.at("2026-09-15 10:00").push(v, inv{id: "I6", customer: "c1", issue: "2026-09-15", due: "2026-10-15", amount: 2500})
	w.at("2026-09-20 10:00").push(v, inv{id: "I10", customer: "c1", issue: "2026-09-20", due: "2026-10-20", amount: 800})
	w.at("2026-10-01 10:00").push(v,
		inv{id: "I7", customer: "c1", issue: "2026-10-01", due: "2026-10-31", amount: 3000},
		inv{id: "I10", customer: "c1", issue: "2026-09-20", due: "2026-10-20", amount: 800, status: "void"},
		inv{id: "E1", customer: "c3", currency: "EUR", issue: "2026-10-01", due: "2026-10-31", amount: 5000})
	w.at("2026-10-04 12:00").payAndConfirm(v, alice, "I5", 1500, "2026-10-05 09:00")
	w.at("2026-10-10 10:00").push(v, inv{id: "I9", customer: "c1", issue: "2026-10-10", due: "2026-11-09", amount: 1200})

	d1 := w.at("2026-10-20 10:00").dispute(v, "I6", "pricing", 500)
	w.at("2026-10-20 15:00").reply(v, alice, d1)
	w.at("2026-10-22 10:00").resolve(v, bob, d1)
	d3 := w.at("2026-10-25 09:00").dispute(v, "I9", "pricing", 200)
	w.at("2026-10-26 09:00").resolve(v, alice, d3)

	w.at("2026-11-01 10:00").push(v,
		inv{id: "I8", customer: "c2", issue: "2026-11-01", due: "2026-12-01", amount: 4000},
		// Closed history pushed late: paid long ago, and paid on time just
		// after the period began.
		inv{id: "I3", customer: "c2", issue: "2025-06-01", due: "2025-07-01", amount: 3000, status: "paid", paidAt: "2025-07-15"},
		inv{id: "I4", customer: "c2", issue: "2026-08-10", due: "2026-09-09", amount: 4000, status: "paid", paidAt: "2026-09-05"})
	q1 := w.at("2026-11-02 09:00").question(v, "I7")
	w.at("2026-11-02 10:00").assign(v, bob, q1)
	w.at("2026-11-03 15:00").reply(v, bob, q1)
	d2 := w.at("2026-11-10 09:00").dispute(v, "I2", "quantity", 400)
	w.at("2026-11-10 10:00").assign(v, alice, d2)
	w.at("2026-11-21 08:00").push(v, inv{id: "I9", customer: "c1", issue: "2026-10-10", due: "2026-11-09", amount: 1200,
		status: "paid", paidAt: "2026-11-20"})

	w.lateReason(v, "I1", "payer", "cash_flow", "2026-09-10 10:00")
	w.lateReason(v, "I5", "payer", "awaiting_approval", "2026-10-04 12:00")
	w.lateReason(v, "I5", "vendor", "po_mismatch", "2026-10-05 09:00")
	w.lateReason(v, "I9", "payer", "cash_flow", "2026-11-21 08:00")

	w.at("2026-11-30 12:00")
	return v
}

func (w *world) memberID(name string) int64 {
	w.t.Helper()
	var id int64
	if err := w.db.Gorm.Raw(`SELECT id FROM vendor_members WHERE name = ? ORDER BY id LIMIT 1`, name).Scan(&id).Error; err != nil {
		w.t.Fatal(err)
	}
	return id
}
