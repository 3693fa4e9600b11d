package vendors_test

import (
	"context"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

type changeRow struct {
	InvoiceID           int64
	Status              string
	AmountRemaining     int64
	PrevStatus          *string
	PrevAmountRemaining *int64
	At                  time.Time
}

func changesOf(t *testing.T, db *database.DB, vendorID int64, externalID string) []changeRow {
	t.Helper()
	var rows []changeRow
	err := db.Gorm.Raw(`SELECT c.invoice_id, c.status, c.amount_remaining, c.prev_status, c.prev_amount_remaining, c.at
FROM invoice_changes c JOIN invoices i ON i.id = c.invoice_id
WHERE c.vendor_id = ? AND i.external_id = ? ORDER BY c.id`, vendorID, externalID).Scan(&rows).Error
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestPushesKeepInvoiceHistory: every push path (PostgreSQL's COPY and
// small upsert, SQLite's multi-row upsert) records when an invoice became
// paid or void, and one invoice_changes row per push that changed its money
// or status — none for a push that changed only the memo or nothing.
// Closed history pushed with its paid_at keeps that date.
func TestPushesKeepInvoiceHistory(t *testing.T) {
	for _, path := range []struct {
		name        string
		copyMinimum int
	}{{"copy", 1}, {"small", 1 << 20}} {
		t.Run(path.name, func(t *testing.T) {
			defer vendors.SetCopyMinItems(path.copyMinimum)()
			dbtest.Each(t, testInvoiceHistory)
		})
	}
}

func testInvoiceHistory(t *testing.T, db *database.DB) {
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	s := vendors.NewStore(db.Gorm, payers.NewStore(db.Gorm, clock), clock)
	v, err := s.CreateVendor(ctx, vendors.NewVendor{Name: "A"})
	if err != nil {
		t.Fatal(err)
	}
	push := func(items ...vendors.InvoiceInput) []vendors.PushResult {
		t.Helper()
		res, err := s.PushInvoices(ctx, v.ID, items)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	get := func(id string) vendors.InvoiceView {
		t.Helper()
		iv, err := s.GetInvoice(ctx, v.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		return iv
	}

	// Closed history, backfilled with its dates.
	old := inv("OLD", "c1", "ap@one.example", "")
	old.Status, old.PaidAt, old.IssueDate, old.DueDate = vendors.StatusPaid, "2024-03-05", "2024-01-10", "2024-02-09"
	oldTime := inv("OLD2", "c1", "ap@one.example", "")
	oldTime.Status, oldTime.PaidAt, oldTime.DueDate = vendors.StatusPaid, "2025-06-01T15:04:05+02:00", "2025-05-01"
	void := inv("V", "c1", "ap@one.example", "")
	void.Status = vendors.StatusVoid
	open := inv("A", "c1", "ap@one.example", "")
	push(old, oldTime, void, open)
	if got := get("OLD").PaidAt; got == nil || !got.Equal(time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("backfilled paid_at %v", got)
	}
	if got := get("OLD2").PaidAt; got == nil || !got.Equal(time.Date(2025, 6, 1, 13, 4, 5, 0, time.UTC)) {
		t.Fatalf("backfilled paid_at %v", got)
	}
	if got := get("V"); got.VoidedAt == nil || !got.VoidedAt.Equal(now) || got.PaidAt != nil {
		t.Fatalf("void: voided_at %v paid_at %v", got.VoidedAt, got.PaidAt)
	}
	if got := get("A"); got.PaidAt != nil || got.VoidedAt != nil {
		t.Fatalf("open invoice dated paid %v / void %v", got.PaidAt, got.VoidedAt)
	}
	if c := changesOf(t, db, v.ID, "A"); len(c) != 1 || c[0].Status != "open" || c[0].AmountRemaining != 1000 || c[0].PrevStatus != nil {
		t.Fatalf("first sight of A recorded %+v", c)
	}

	// A memo change alone writes no history; a partial payment does.
	now = now.Add(time.Hour)
	memo := open
	memo.Memo = "PO 1"
	if r := push(memo); r[0].Result != vendors.ResultUpdated {
		t.Fatalf("memo push %+v", r)
	}
	if c := changesOf(t, db, v.ID, "A"); len(c) != 1 {
		t.Fatalf("memo change recorded history %+v", c)
	}
	now = now.Add(time.Hour)
	part := memo
	part.AmountRemaining = amount(400)
	push(part)
	c := changesOf(t, db, v.ID, "A")
	if len(c) != 2 || c[1].AmountRemaining != 400 || *c[1].PrevAmountRemaining != 1000 || !c[1].At.Equal(now) {
		t.Fatalf("partial payment history %+v", c)
	}

	// Paid without a paid_at: dated at this push; pushed again (memo
	// change), the date stays.
	now = now.Add(time.Hour)
	paidAt := now
	paid := part
	paid.AmountRemaining, paid.Status = nil, vendors.StatusPaid
	push(paid)
	if got := get("A").PaidAt; got == nil || !got.Equal(paidAt) {
		t.Fatalf("paid_at %v, want %v", got, paidAt)
	}
	now = now.Add(time.Hour)
	paid.Memo = "PO 2"
	push(paid)
	if got := get("A").PaidAt; got == nil || !got.Equal(paidAt) {
		t.Fatalf("re-push moved paid_at to %v, want %v", got, paidAt)
	}
	// The vendor corrects the payment date: stored, no money change.
	paid.PaidAt = "2026-11-19"
	if r := push(paid); r[0].Result != vendors.ResultUpdated {
		t.Fatalf("paid_at correction %+v", r)
	}
	if got := get("A").PaidAt; got == nil || !got.Equal(time.Date(2026, 11, 19, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("corrected paid_at %v", got)
	}
	c = changesOf(t, db, v.ID, "A")
	if len(c) != 3 || c[2].Status != "paid" || c[2].AmountRemaining != 0 || *c[2].PrevStatus != "open" {
		t.Fatalf("history after payment %+v", c)
	}
	// Reopened: paid_at is cleared.
	now = now.Add(time.Hour)
	push(open)
	if got := get("A"); got.Status != vendors.StatusOpen || got.PaidAt != nil {
		t.Fatalf("reopened: %s paid_at %v", got.Status, got.PaidAt)
	}

	// paid_at with another status is refused, naming the field.
	bad := inv("B", "c1", "ap@one.example", "")
	bad.PaidAt = "2026-11-01"
	worse := inv("C", "c1", "ap@one.example", "")
	worse.Status, worse.PaidAt = vendors.StatusPaid, "yesterday"
	r := push(bad, worse)
	if r[0].Result != vendors.ResultError || r[0].Errors[0].Field != "paid_at" ||
		r[1].Result != vendors.ResultError || r[1].Errors[0].Field != "paid_at" {
		t.Fatalf("bad paid_at results %+v", r)
	}
}
