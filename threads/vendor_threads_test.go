package threads_test

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
	"github.com/duehub/duehub/payers/payerstest"
	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
)

// threadNet is Northwind and Contoso billing Acme, which asked Northwind a
// question, disputed another Northwind invoice and asked Contoso too.
type threadNet struct {
	*payerstest.World
	north, contoso              int64
	acme                        int64
	asked, disputed, contosoAsk int64 // thread ids
	disputedInvoice             int64
}

func newThreadNet(t *testing.T, db *database.DB) *threadNet {
	t.Helper()
	ctx := context.Background()
	n := &threadNet{World: payerstest.New(t, db)}
	n.north, n.contoso = n.Vendor("Northwind Supplies"), n.Vendor("Contoso Paper")
	n1 := n.Invoice(n.north, "N-1", "ap@acme.example", 125000)
	n.disputedInvoice = n.Invoice(n.north, "N-2", "ap@acme.example", 40000)
	c1 := n.Invoice(n.contoso, "C-1", "ap@acme.example", 5000)
	n.acme = n.Payer("ap@acme.example")
	q, err := n.Threads.AskQuestion(ctx, n.acme, n1, "Is PO 4471 on this one?")
	if err != nil {
		t.Fatal(err)
	}
	d, err := n.Threads.OpenDispute(ctx, n.acme, n.disputedInvoice, "pricing", 2500, "Unit price should be 10.00")
	if err != nil {
		t.Fatal(err)
	}
	c, err := n.Threads.AskQuestion(ctx, n.acme, c1, "Contoso: when is delivery?")
	if err != nil {
		t.Fatal(err)
	}
	n.asked, n.disputed, n.contosoAsk = q.ID, d.ID, c.ID
	return n
}

func threadIDs(views []threads.VendorThreadView) []int64 {
	ids := make([]int64, len(views))
	for i, v := range views {
		ids[i] = v.ID
	}
	return ids
}

func TestVendorThreadsAreTheVendorsOwn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		n := newThreadNet(t, db)

		all, err := n.Threads.VendorThreads(ctx, n.north, threads.VendorThreadFilter{})
		if err != nil || len(all) != 2 || all[0].ID != n.asked || all[1].ID != n.disputed {
			t.Fatalf("Northwind's threads: %v %v", threadIDs(all), err)
		}
		if all[0].Invoice == nil || all[0].Invoice.ExternalID != "N-1" || all[0].Invoice.AmountRemaining != 125000 ||
			all[0].Customer == nil || all[0].Customer.Email != "ap@acme.example" || all[0].Customer.ExternalID != "C-ap@acme.example" {
			t.Fatalf("thread view: %+v %+v", all[0].Invoice, all[0].Customer)
		}
		if all[0].Messages != nil {
			t.Error("a list carries messages")
		}
		for _, tc := range []struct {
			name string
			f    threads.VendorThreadFilter
			want []int64
		}{
			{"disputes", threads.VendorThreadFilter{Kind: "dispute"}, []int64{n.disputed}},
			{"questions", threads.VendorThreadFilter{Kind: "question"}, []int64{n.asked}},
			{"open", threads.VendorThreadFilter{State: "open"}, []int64{n.asked, n.disputed}},
			{"resolved", threads.VendorThreadFilter{State: "resolved"}, []int64{}},
			{"invoice", threads.VendorThreadFilter{InvoiceExternalID: "N-2"}, []int64{n.disputed}},
			{"another vendor's invoice", threads.VendorThreadFilter{InvoiceExternalID: "C-1"}, []int64{}},
			{"page", threads.VendorThreadFilter{Limit: 1}, []int64{n.asked}},
			{"after", threads.VendorThreadFilter{AfterID: n.asked}, []int64{n.disputed}},
		} {
			got, err := n.Threads.VendorThreads(ctx, n.north, tc.f)
			if err != nil || !equalIDs(threadIDs(got), tc.want) {
				t.Errorf("%s: %v %v, want %v", tc.name, threadIDs(got), err, tc.want)
			}
		}
		if _, err := n.Threads.VendorThreads(ctx, n.north, threads.VendorThreadFilter{Kind: "complaint", State: "closed"}); payerstest.InvalidField(t, err) != "kind,state" {
			t.Errorf("bad filters: %v", err)
		}

		v, err := n.Threads.VendorThread(ctx, n.north, n.disputed)
		if err != nil || len(v.Messages) != 1 || v.Messages[0].Author != "payer" || v.Reason != "pricing" ||
			v.DisputedAmount != 2500 || v.Invoice.Number != "N-2" {
			t.Fatalf("VendorThread: %+v %v", v, err)
		}
		b, _ := json.Marshal(v)
		if strings.Contains(string(b), "Contoso") || strings.Contains(string(b), "C-1") {
			t.Errorf("Northwind's view of its thread shows Contoso's data: %s", b)
		}
		if _, err := n.Threads.VendorThread(ctx, n.north, n.contosoAsk); !errors.Is(err, vendors.ErrNotFound) {
			t.Errorf("Northwind reading Contoso's thread: %v, want ErrNotFound", err)
		}
		if _, err := n.Threads.VendorThread(ctx, n.north, 1<<40); !errors.Is(err, vendors.ErrNotFound) {
			t.Errorf("a thread that does not exist: %v", err)
		}
	})
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestVendorReply(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		n := newThreadNet(t, db)
		asked := n.Now

		n.Now = n.Now.Add(90 * time.Minute)
		v, err := n.Threads.VendorReply(ctx, n.north, n.asked, "  Yes, PO 4471 covers it.\n")
		if err != nil {
			t.Fatal(err)
		}
		if v.State != threads.ThreadAnswered || v.FirstResponseAt == nil || !v.FirstResponseAt.Equal(asked.Add(90*time.Minute)) ||
			len(v.Messages) != 2 || v.Messages[1].Author != "vendor" || v.Messages[1].Body != "Yes, PO 4471 covers it." {
			t.Fatalf("after the reply: %+v", v)
		}
		n.Now = n.Now.Add(time.Hour)
		v, err = n.Threads.VendorReply(ctx, n.north, n.asked, "And it ships Friday.")
		if err != nil || !v.FirstResponseAt.Equal(asked.Add(90*time.Minute)) || len(v.Messages) != 3 {
			t.Fatalf("a second reply moved the first response time: %+v %v", v, err)
		}
		msgs := n.Events(n.north)["thread.message"]
		if len(msgs) != 2 || msgs[0]["body"] != "Yes, PO 4471 covers it." || msgs[0]["invoice_external_id"] != "N-1" ||
			msgs[0]["author"] != "vendor" || msgs[0]["thread_id"] != float64(n.asked) {
			t.Fatalf("thread.message events: %v", msgs)
		}

		before := n.Count("thread_messages")
		for _, tc := range []struct{ name, body string }{
			{"empty", ""}, {"blank", " \n\t "}, {"too long", strings.Repeat("é", threads.MaxMessage+1)},
		} {
			if _, err := n.Threads.VendorReply(ctx, n.north, n.asked, tc.body); payerstest.InvalidField(t, err) != "body" {
				t.Errorf("%s body: %v", tc.name, err)
			}
		}
		if _, err := n.Threads.VendorReply(ctx, n.north, n.asked, strings.Repeat("é", threads.MaxMessage)); err != nil {
			t.Errorf("a body of exactly %d characters: %v", threads.MaxMessage, err)
		}
		if _, err := n.Threads.VendorReply(ctx, n.contoso, n.asked, "Contoso butting in"); !errors.Is(err, vendors.ErrNotFound) {
			t.Errorf("Contoso replying on Northwind's thread: %v", err)
		}
		if got := n.Count("thread_messages"); got != before+1 {
			t.Errorf("thread_messages %d → %d, want one more", before, got)
		}
		if evs := n.Events(n.contoso)["thread.message"]; len(evs) != 0 {
			t.Errorf("Contoso got thread events: %v", evs)
		}
	})
}

func TestResolveDispute(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		n := newThreadNet(t, db)
		if h := n.HoldOf(n.acme, n.disputedInvoice); h != payers.HoldDispute {
			t.Fatalf("hold before: %q", h)
		}

		if _, err := n.Threads.ResolveThread(ctx, n.north, n.disputed, "refunded", strings.Repeat("x", threads.MaxMessage+1)); payerstest.InvalidField(t, err) != "outcome,note" {
			t.Errorf("bad resolution: %v", err)
		}
		if _, err := n.Threads.ResolveThread(ctx, n.contoso, n.disputed, "rejected", ""); !errors.Is(err, vendors.ErrNotFound) {
			t.Errorf("Contoso resolving Northwind's dispute: %v", err)
		}
		if h := n.HoldOf(n.acme, n.disputedInvoice); h != payers.HoldDispute {
			t.Fatalf("a refused resolution lifted the hold: %q", h)
		}

		n.Now = n.Now.Add(26 * time.Hour)
		v, err := n.Threads.ResolveThread(ctx, n.north, n.disputed, "credit_issued", "Credit note CN-88 covers the difference.")
		if err != nil {
			t.Fatal(err)
		}
		if v.State != threads.ThreadResolved || v.Outcome != "credit_issued" || v.ResolvedAt == nil || !v.ResolvedAt.Equal(n.Now) ||
			v.FirstResponseAt == nil || !v.FirstResponseAt.Equal(n.Now) || len(v.Messages) != 2 ||
			v.Messages[1].Body != "Credit note CN-88 covers the difference." || v.Messages[1].Author != "vendor" {
			t.Fatalf("resolved: %+v", v)
		}
		if h := n.HoldOf(n.acme, n.disputedInvoice); h != "" {
			t.Errorf("hold after the resolution: %q", h)
		}
		var hold payers.Hold
		if err := db.Gorm.Where("ref_id = ? AND kind = ?", n.disputed, payers.HoldDispute).Take(&hold).Error; err != nil ||
			hold.ReleasedAt == nil || !hold.ReleasedAt.Equal(n.Now) {
			t.Errorf("dispute hold: %+v %v", hold, err)
		}
		res := n.Events(n.north)["thread.resolved"]
		if len(res) != 1 || res[0]["outcome"] != "credit_issued" || res[0]["hold_released"] != true ||
			res[0]["invoice_external_id"] != "N-2" || res[0]["kind"] != "dispute" {
			t.Fatalf("thread.resolved events: %v", res)
		}

		if _, err := n.Threads.VendorReply(ctx, n.north, n.disputed, "one more thing"); payerstest.InvalidField(t, err) != "id" {
			t.Errorf("reply on a resolved thread: %v", err)
		}
		if _, err := n.Threads.ResolveThread(ctx, n.north, n.disputed, "rejected", ""); payerstest.InvalidField(t, err) != "id" {
			t.Errorf("resolving twice: %v", err)
		}
		if got := n.Events(n.north)["thread.resolved"]; len(got) != 1 {
			t.Errorf("%d thread.resolved events after refused actions", len(got))
		}
	})
}

func TestResolveQuestionKeepsResponseTimes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		n := newThreadNet(t, db)
		n.Now = n.Now.Add(time.Hour)
		if _, err := n.Threads.VendorReply(ctx, n.north, n.asked, "Checking with the warehouse."); err != nil {
			t.Fatal(err)
		}
		replied := n.Now
		n.Now = n.Now.Add(48 * time.Hour)
		v, err := n.Threads.ResolveThread(ctx, n.north, n.asked, "answered", "")
		if err != nil {
			t.Fatal(err)
		}
		if !v.FirstResponseAt.Equal(replied) || !v.ResolvedAt.Equal(n.Now) || len(v.Messages) != 2 {
			t.Fatalf("response times: first %v resolved %v, %d messages", v.FirstResponseAt, v.ResolvedAt, len(v.Messages))
		}
		if n.Count("holds") != 1 {
			t.Error("resolving a question touched the holds")
		}
	})
}

func TestAnswerNoticeWindow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		n := newThreadNet(t, db)
		claim := func(vendorID, threadID int64) threads.AnswerNotice {
			t.Helper()
			got, err := n.Threads.ClaimAnswerNotice(ctx, vendorID, threadID, "the answer")
			if err != nil {
				t.Fatal(err)
			}
			return got
		}

		first := claim(n.north, n.asked)
		if first.Skip != "" || first.VendorName != "Northwind Supplies" || first.InvoiceNumber != "N-1" ||
			first.Body != "the answer" || len(first.To) != 1 || first.To[0] != "ap@acme.example" || first.PayerID != n.acme {
			t.Fatalf("first notice: %+v", first)
		}
		n.Now = n.Now.Add(threads.AnswerNoticeWindow - time.Second)
		if got := claim(n.north, n.asked); got.Skip != threads.NoticeWithinWindow {
			t.Fatalf("inside the window: %+v", got)
		}
		if got := claim(n.north, n.disputed); got.Skip != "" {
			t.Fatalf("another thread has its own window: %+v", got)
		}
		n.Now = n.Now.Add(time.Second)
		second := claim(n.north, n.asked)
		if second.Skip != "" {
			t.Fatalf("after the window: %+v", second)
		}

		// A notice that could not be sent gives the window back.
		if err := n.Threads.ReleaseAnswerNotice(ctx, second); err != nil {
			t.Fatal(err)
		}
		if got := claim(n.north, n.asked); got.Skip != "" {
			t.Fatalf("after a release: %+v", got)
		}

		if _, err := n.Threads.ClaimAnswerNotice(ctx, n.contoso, n.asked, "x"); !errors.Is(err, vendors.ErrNotFound) {
			t.Errorf("Contoso claiming Northwind's thread: %v", err)
		}
		if err := n.Payers.SetChannel(ctx, n.acme, "email", false); err != nil {
			t.Fatal(err)
		}
		if got := claim(n.contoso, n.contosoAsk); got.Skip != threads.NoticeUnsubscribed {
			t.Fatalf("payer without email: %+v", got)
		}
	})
}
