package threads_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/payers/payerstest"
	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
)

func TestThreadModelsMatchSchema(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		dbtest.CheckColumns(t, db, &threads.Thread{}, &threads.ThreadMessage{})
	})
}

func TestAskQuestion(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		w := payerstest.New(t, db)
		north, contoso := w.Vendor("Northwind"), w.Vendor("Contoso")
		inv := w.Invoice(north, "N-1", "ap@acme.example", 125000)
		w.Invoice(contoso, "C-1", "ap@acme.example", 5000)
		stranger := w.Invoice(contoso, "X-1", "ap@other.example", 100)
		acme := w.Payer("ap@acme.example")

		for name, body := range map[string]string{"empty": "", "blank": " \n\t ", "too long": strings.Repeat("a", threads.MaxMessage+1)} {
			if _, err := w.Threads.AskQuestion(ctx, acme, inv, body); payerstest.InvalidField(t, err) != "body" {
				t.Errorf("%s question: %v", name, err)
			}
		}
		if _, err := w.Threads.AskQuestion(ctx, acme, stranger, "What is this?"); !errors.Is(err, payers.ErrNotFound) {
			t.Errorf("question on another payer's invoice: %v", err)
		}
		if n := w.Count("threads") + w.Count("thread_messages"); n != 0 || len(w.Events(north)) != 0 || len(w.Events(contoso)) != 0 {
			t.Fatalf("a refused question stored something: %d rows, events %v %v", n, w.Events(north), w.Events(contoso))
		}

		// 4000 characters is the limit, in characters, not bytes.
		long := strings.Repeat("é", threads.MaxMessage)
		if _, err := w.Threads.AskQuestion(ctx, acme, inv, long); err != nil {
			t.Fatalf("a 4000-character question: %v", err)
		}
		w.Now = w.Now.Add(time.Minute)
		th, err := w.Threads.AskQuestion(ctx, acme, inv, "  Is PO 4471 on this one?  ")
		if err != nil {
			t.Fatal(err)
		}
		if th.Kind != threads.ThreadQuestion || th.State != threads.ThreadOpen || th.VendorID != north || th.PayerID != acme ||
			*th.InvoiceID != inv || th.Currency != "USD" {
			t.Fatalf("thread: %+v", th)
		}
		threads, err := w.Threads.ThreadsOfInvoice(ctx, acme, inv)
		if err != nil || len(threads) != 2 || threads[1].ID != th.ID || len(threads[1].Messages) != 1 {
			t.Fatalf("threads: %+v %v", threads, err)
		}
		if m := threads[1].Messages[0]; m.Author != "payer" || m.Body != "Is PO 4471 on this one?" {
			t.Fatalf("first message: %+v", m)
		}
		if got, _ := w.Threads.ThreadsOfInvoice(ctx, w.Payer("ap@other.example"), inv); len(got) != 0 {
			t.Fatal("another payer sees the threads")
		}

		evs := w.Events(north)["question.created"]
		if len(evs) != 2 || evs[1]["invoice_external_id"] != "N-1" || evs[1]["thread_id"] != float64(th.ID) ||
			evs[1]["body"] != "Is PO 4471 on this one?" {
			t.Fatalf("question events: %v", evs)
		}
		if len(w.Events(contoso)) != 0 {
			t.Fatal("another vendor heard of the question")
		}
		if p, _ := w.Payers.Get(ctx, acme); p.LastActionAt == nil || !p.LastActionAt.Equal(w.Now) {
			t.Fatalf("the question is not recorded as a payer action: %v", p.LastActionAt)
		}

		// Nothing to ask about once the invoice is paid.
		zero := int64(0)
		w.Invoice(north, "N-1", "ap@acme.example", 125000, func(in *vendors.InvoiceInput) { in.AmountRemaining = &zero })
		if _, err := w.Threads.AskQuestion(ctx, acme, inv, "Still?"); !errors.Is(err, payers.ErrInvoiceClosed) {
			t.Fatalf("question on a paid invoice: %v", err)
		}
	})
}

func TestOpenDispute(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		w := payerstest.New(t, db)
		north := w.Vendor("Northwind")
		inv := w.Invoice(north, "N-1", "ap@acme.example", 125000)
		stranger := w.Invoice(north, "X-1", "ap@other.example", 100)
		acme := w.Payer("ap@acme.example")

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
			{"pricing", 1000, strings.Repeat("n", threads.MaxMessage+1), "note"},
			{"bogus", 0, "", "reason,amount,note"},
		}
		for _, b := range bad {
			if _, err := w.Threads.OpenDispute(ctx, acme, inv, b.reason, b.amount, b.note); payerstest.InvalidField(t, err) != b.field {
				t.Errorf("dispute %q %d %q: want %s, got %v", b.reason, b.amount, b.note, b.field, err)
			}
		}
		if _, err := w.Threads.OpenDispute(ctx, acme, stranger, "pricing", 50, "Wrong"); !errors.Is(err, payers.ErrNotFound) {
			t.Errorf("dispute of another payer's invoice: %v", err)
		}
		if n := w.Count("threads") + w.Count("holds"); n != 0 || len(w.Events(north)) != 0 {
			t.Fatalf("a refused dispute stored something: %d rows, events %v", n, w.Events(north))
		}
		if w.HoldOf(acme, inv) != "" {
			t.Fatal("held before any dispute")
		}

		th, err := w.Threads.OpenDispute(ctx, acme, inv, "pricing", 125000, "Unit price should be 10.00")
		if err != nil {
			t.Fatal(err)
		}
		if th.Kind != threads.ThreadDispute || th.Reason != "pricing" || th.DisputedAmount != 125000 || len(th.Messages) != 1 {
			t.Fatalf("dispute thread: %+v", th)
		}
		var holds []payers.Hold
		db.Gorm.Find(&holds)
		if len(holds) != 1 || holds[0].Kind != payers.HoldDispute || holds[0].RefID != th.ID || holds[0].Until != nil ||
			holds[0].InvoiceID != inv || holds[0].VendorID != north || holds[0].PayerID != acme {
			t.Fatalf("dispute hold: %+v", holds)
		}
		// Held until the vendor resolves it, however long that takes.
		w.Now = w.Now.AddDate(1, 0, 0)
		if got := w.HoldOf(acme, inv); got != payers.HoldDispute {
			t.Fatalf("hold a year on: %q", got)
		}
		evs := w.Events(north)["dispute.created"]
		if len(evs) != 1 || evs[0]["reason"] != "pricing" || evs[0]["disputed_amount"] != float64(125000) ||
			evs[0]["currency"] != "USD" || evs[0]["thread_id"] != float64(th.ID) || evs[0]["note"] != "Unit price should be 10.00" {
			t.Fatalf("dispute event: %v", evs)
		}
	})
}
