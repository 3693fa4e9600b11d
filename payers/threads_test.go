package payers_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// actionWorld is two vendors billing payers on a real database, with a
// settable clock.
type actionWorld struct {
	t       *testing.T
	db      *database.DB
	payers  *payers.Store
	vendors *vendors.Store
	now     time.Time
}

func newActionWorld(t *testing.T, db *database.DB) *actionWorld {
	w := &actionWorld{t: t, db: db, now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return w.now }
	w.payers = payers.NewStore(db.Gorm, clock)
	w.vendors = vendors.NewStore(db.Gorm, w.payers, clock)
	return w
}

func (w *actionWorld) vendor(name string) int64 {
	w.t.Helper()
	v, err := w.vendors.CreateVendor(context.Background(), vendors.NewVendor{Name: name})
	if err != nil {
		w.t.Fatal(err)
	}
	return v.ID
}

// invoice pushes an invoice for the customer whose AP is email; edit
// changes it before the push.
func (w *actionWorld) invoice(vendorID int64, ext, email string, amount int64, edit ...func(*vendors.InvoiceInput)) int64 {
	w.t.Helper()
	in := vendors.InvoiceInput{ExternalID: ext, Currency: "USD", AmountDue: &amount, DueDate: "2026-11-20",
		PayURL: "https://pay.example/" + ext, Customer: vendors.CustomerInput{ExternalID: "C-" + email, Name: "Acme", Email: email}}
	for _, f := range edit {
		f(&in)
	}
	res, err := w.vendors.PushInvoices(context.Background(), vendorID, []vendors.InvoiceInput{in})
	if err != nil || res[0].Result == vendors.ResultError {
		w.t.Fatalf("push: %v %+v", err, res)
	}
	inv, err := w.vendors.GetInvoice(context.Background(), vendorID, ext)
	if err != nil {
		w.t.Fatal(err)
	}
	return inv.ID
}

func (w *actionWorld) payer(email string) int64 {
	w.t.Helper()
	p, err := w.payers.FindByEmail(context.Background(), email)
	if err != nil {
		w.t.Fatal(err)
	}
	return p.ID
}

// events returns the vendor's events as type → payloads.
func (w *actionWorld) events(vendorID int64) map[string][]map[string]any {
	w.t.Helper()
	evs, err := w.vendors.Events(context.Background(), vendorID, 0, 1000)
	if err != nil {
		w.t.Fatal(err)
	}
	out := map[string][]map[string]any{}
	for _, e := range evs {
		var p map[string]any
		if err := json.Unmarshal([]byte(e.Payload), &p); err != nil {
			w.t.Fatal(err)
		}
		out[e.Type] = append(out[e.Type], p)
	}
	return out
}

func (w *actionWorld) count(table string) int64 {
	w.t.Helper()
	var n int64
	if err := w.db.Gorm.Table(table).Count(&n).Error; err != nil {
		w.t.Fatal(err)
	}
	return n
}

// holdOf returns the active hold kind of the payer's open invoice.
func (w *actionWorld) holdOf(payerID, invoiceID int64) string {
	w.t.Helper()
	open, err := w.payers.OpenInvoices(context.Background(), payerID, w.now)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, o := range open {
		if o.InvoiceID == invoiceID {
			return o.HoldKind
		}
	}
	w.t.Fatalf("invoice %d is not among the payer's open invoices", invoiceID)
	return ""
}

// invalidField returns the fields a validation error names, or fails.
func invalidField(t *testing.T, err error) string {
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

func TestThreadModelsMatchSchema(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		dbtest.CheckColumns(t, db, &payers.Thread{}, &payers.ThreadMessage{})
	})
}

func TestAskQuestion(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		w := newActionWorld(t, db)
		north, contoso := w.vendor("Northwind"), w.vendor("Contoso")
		inv := w.invoice(north, "N-1", "ap@acme.example", 125000)
		w.invoice(contoso, "C-1", "ap@acme.example", 5000)
		stranger := w.invoice(contoso, "X-1", "ap@other.example", 100)
		acme := w.payer("ap@acme.example")

		for name, body := range map[string]string{"empty": "", "blank": " \n\t ", "too long": strings.Repeat("a", payers.MaxMessage+1)} {
			if _, err := w.payers.AskQuestion(ctx, acme, inv, body); invalidField(t, err) != "body" {
				t.Errorf("%s question: %v", name, err)
			}
		}
		if _, err := w.payers.AskQuestion(ctx, acme, stranger, "What is this?"); !errors.Is(err, payers.ErrNotFound) {
			t.Errorf("question on another payer's invoice: %v", err)
		}
		if n := w.count("threads") + w.count("thread_messages"); n != 0 || len(w.events(north)) != 0 || len(w.events(contoso)) != 0 {
			t.Fatalf("a refused question stored something: %d rows, events %v %v", n, w.events(north), w.events(contoso))
		}

		// 4000 characters is the limit, in characters, not bytes.
		long := strings.Repeat("é", payers.MaxMessage)
		if _, err := w.payers.AskQuestion(ctx, acme, inv, long); err != nil {
			t.Fatalf("a 4000-character question: %v", err)
		}
		w.now = w.now.Add(time.Minute)
		th, err := w.payers.AskQuestion(ctx, acme, inv, "  Is PO 4471 on this one?  ")
		if err != nil {
			t.Fatal(err)
		}
		if th.Kind != payers.ThreadQuestion || th.State != payers.ThreadOpen || th.VendorID != north || th.PayerID != acme ||
			*th.InvoiceID != inv || th.Currency != "USD" {
			t.Fatalf("thread: %+v", th)
		}
		threads, err := w.payers.ThreadsOfInvoice(ctx, acme, inv)
		if err != nil || len(threads) != 2 || threads[1].ID != th.ID || len(threads[1].Messages) != 1 {
			t.Fatalf("threads: %+v %v", threads, err)
		}
		if m := threads[1].Messages[0]; m.Author != "payer" || m.Body != "Is PO 4471 on this one?" {
			t.Fatalf("first message: %+v", m)
		}
		if got, _ := w.payers.ThreadsOfInvoice(ctx, w.payer("ap@other.example"), inv); len(got) != 0 {
			t.Fatal("another payer sees the threads")
		}

		evs := w.events(north)["question.created"]
		if len(evs) != 2 || evs[1]["invoice_external_id"] != "N-1" || evs[1]["thread_id"] != float64(th.ID) ||
			evs[1]["body"] != "Is PO 4471 on this one?" {
			t.Fatalf("question events: %v", evs)
		}
		if len(w.events(contoso)) != 0 {
			t.Fatal("another vendor heard of the question")
		}
		if p, _ := w.payers.Get(ctx, acme); p.LastActionAt == nil || !p.LastActionAt.Equal(w.now) {
			t.Fatalf("the question is not recorded as a payer action: %v", p.LastActionAt)
		}

		// Nothing to ask about once the invoice is paid.
		zero := int64(0)
		w.invoice(north, "N-1", "ap@acme.example", 125000, func(in *vendors.InvoiceInput) { in.AmountRemaining = &zero })
		if _, err := w.payers.AskQuestion(ctx, acme, inv, "Still?"); !errors.Is(err, payers.ErrInvoiceClosed) {
			t.Fatalf("question on a paid invoice: %v", err)
		}
	})
}

func TestOpenDispute(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		w := newActionWorld(t, db)
		north := w.vendor("Northwind")
		inv := w.invoice(north, "N-1", "ap@acme.example", 125000)
		stranger := w.invoice(north, "X-1", "ap@other.example", 100)
		acme := w.payer("ap@acme.example")

		bad := []struct {
			reason string
			amount int64
			note   string
			field  string
		}{
			{"nonsense", 1000, "Wrong price", "reason"},
			{"", 1000, "Wrong price", "reason"},
			{"pricing", 0, "Wrong price", "amount"},
			{"pricing", -5, "Wrong price", "amount"},
			{"pricing", 125001, "Wrong price", "amount"},
			{"pricing", 1000, "  ", "note"},
			{"pricing", 1000, strings.Repeat("n", payers.MaxMessage+1), "note"},
			{"bogus", 0, "", "reason,amount,note"},
		}
		for _, b := range bad {
			if _, err := w.payers.OpenDispute(ctx, acme, inv, b.reason, b.amount, b.note); invalidField(t, err) != b.field {
				t.Errorf("dispute %q %d %q: want %s, got %v", b.reason, b.amount, b.note, b.field, err)
			}
		}
		if _, err := w.payers.OpenDispute(ctx, acme, stranger, "pricing", 50, "Wrong"); !errors.Is(err, payers.ErrNotFound) {
			t.Errorf("dispute of another payer's invoice: %v", err)
		}
		if n := w.count("threads") + w.count("holds"); n != 0 || len(w.events(north)) != 0 {
			t.Fatalf("a refused dispute stored something: %d rows, events %v", n, w.events(north))
		}
		if w.holdOf(acme, inv) != "" {
			t.Fatal("held before any dispute")
		}

		th, err := w.payers.OpenDispute(ctx, acme, inv, "pricing", 125000, "Unit price should be 10.00")
		if err != nil {
			t.Fatal(err)
		}
		if th.Kind != payers.ThreadDispute || th.Reason != "pricing" || th.DisputedAmount != 125000 || len(th.Messages) != 1 {
			t.Fatalf("dispute thread: %+v", th)
		}
		var holds []payers.Hold
		db.Gorm.Find(&holds)
		if len(holds) != 1 || holds[0].Kind != payers.HoldDispute || holds[0].RefID != th.ID || holds[0].Until != nil ||
			holds[0].InvoiceID != inv || holds[0].VendorID != north || holds[0].PayerID != acme {
			t.Fatalf("dispute hold: %+v", holds)
		}
		// Held until the vendor resolves it, however long that takes.
		w.now = w.now.AddDate(1, 0, 0)
		if got := w.holdOf(acme, inv); got != payers.HoldDispute {
			t.Fatalf("hold a year on: %q", got)
		}
		evs := w.events(north)["dispute.created"]
		if len(evs) != 1 || evs[0]["reason"] != "pricing" || evs[0]["disputed_amount"] != float64(125000) ||
			evs[0]["currency"] != "USD" || evs[0]["thread_id"] != float64(th.ID) || evs[0]["note"] != "Unit price should be 10.00" {
			t.Fatalf("dispute event: %v", evs)
		}
	})
}
