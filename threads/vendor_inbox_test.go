package threads_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/payers/payerstest"
	"github.com/duehub/duehub/vendors"
)

func TestInboxResponseTimesAreMediansOverThirtyDays(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		w := payerstest.New(t, db)
		north, other := w.Vendor("Northwind"), w.Vendor("Contoso")
		start := w.Now
		ask := func(vendorID int64, ext string, replyAfter, resolveAfter time.Duration) {
			t.Helper()
			w.Now = start
			inv := w.Invoice(vendorID, ext, "ap@acme.example", 1000)
			th, err := w.Threads.AskQuestion(ctx, w.Payer("ap@acme.example"), inv, "Which PO?")
			if err != nil {
				t.Fatal(err)
			}
			if replyAfter > 0 {
				w.Now = start.Add(replyAfter)
				if _, err := w.Threads.VendorReply(ctx, vendorID, th.ID, "PO 1"); err != nil {
					t.Fatal(err)
				}
			}
			if resolveAfter > 0 {
				w.Now = start.Add(resolveAfter)
				if _, err := w.Threads.ResolveThread(ctx, vendorID, th.ID, "answered", ""); err != nil {
					t.Fatal(err)
				}
			}
		}
		ask(north, "N-1", time.Hour, 0)
		ask(north, "N-2", 3*time.Hour, 10*time.Hour)
		ask(north, "N-3", 0, 0) // never answered: no first reply yet
		ask(north, "N-4", 2*time.Hour, 20*time.Hour)
		ask(north, "N-5", 10*time.Hour, 0)
		ask(other, "C-1", 100*time.Hour, 100*time.Hour) // another vendor's

		rt, err := w.Threads.InboxResponseTimes(ctx, north, start.Add(-30*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		// First replies 1, 2, 3, 10 h: the median of an even count is the
		// mean of the middle two. Resolutions 10 and 20 h.
		if rt.FirstReplyN != 4 || rt.FirstReply != 150*time.Minute || rt.ResolutionN != 2 || rt.Resolution != 15*time.Hour {
			t.Fatalf("response times = %+v", rt)
		}
		// Only replies and resolutions inside the window count.
		rt, _ = w.Threads.InboxResponseTimes(ctx, north, start.Add(150*time.Minute))
		if rt.FirstReplyN != 2 || rt.FirstReply != 6*time.Hour+30*time.Minute || rt.ResolutionN != 2 {
			t.Fatalf("response times since 2.5 h = %+v", rt)
		}
		if rt, _ := w.Threads.InboxResponseTimes(ctx, w.Vendor("Quiet"), start.Add(-time.Hour)); rt.FirstReplyN != 0 || rt.FirstReply != 0 {
			t.Fatalf("a vendor with no threads has response times %+v", rt)
		}
	})
}

func TestAssignThreadStaysInTheVendor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		w := payerstest.New(t, db)
		north, other := w.Vendor("Northwind"), w.Vendor("Contoso")
		payer := func() int64 { return w.Payer("ap@acme.example") }
		n1 := w.Invoice(north, "N-1", "ap@acme.example", 1000)
		c1 := w.Invoice(other, "C-1", "ap@acme.example", 1000)
		nt, _ := w.Threads.AskQuestion(ctx, payer(), n1, "North?")
		ct, _ := w.Threads.AskQuestion(ctx, payer(), c1, "Contoso?")
		alice, _ := w.Vendors.InviteMember(ctx, north, vendors.NewMember{Email: "alice@north.example", Role: vendors.RoleAgent})
		carol, _ := w.Vendors.InviteMember(ctx, other, vendors.NewMember{Email: "carol@contoso.example", Role: vendors.RoleAgent})

		if err := w.Threads.AssignThread(ctx, north, nt.ID, alice.ID); err != nil {
			t.Fatal(err)
		}
		for _, bad := range []struct {
			name                     string
			vendor, thread, assignee int64
		}{
			{"another vendor's thread", north, ct.ID, alice.ID},
			{"another vendor's member", north, nt.ID, carol.ID},
			{"a thread that does not exist", north, ct.ID + 100, alice.ID},
		} {
			if err := w.Threads.AssignThread(ctx, bad.vendor, bad.thread, bad.assignee); !errors.Is(err, vendors.ErrNotFound) {
				t.Errorf("%s: %v, want vendors.ErrNotFound", bad.name, err)
			}
		}
		got, _ := w.Threads.ThreadAssignees(ctx, north, []int64{nt.ID, ct.ID})
		if len(got) != 1 || got[nt.ID] != alice.ID {
			t.Fatalf("north's assignees = %v", got)
		}
		if got, _ := w.Threads.ThreadAssignees(ctx, other, []int64{ct.ID}); len(got) != 0 {
			t.Fatalf("contoso's thread was assigned: %v", got)
		}
		if err := w.Vendors.DisableMember(ctx, north, alice.ID); err != nil {
			t.Fatal(err)
		}
		if err := w.Threads.AssignThread(ctx, north, nt.ID, alice.ID); !errors.Is(err, vendors.ErrNotFound) {
			t.Errorf("assigning to a disabled member: %v", err)
		}
		if err := w.Threads.AssignThread(ctx, north, nt.ID, 0); err != nil {
			t.Fatal(err)
		}
		if got, _ := w.Threads.ThreadAssignees(ctx, north, []int64{nt.ID}); len(got) != 0 {
			t.Fatalf("after unassigning: %v", got)
		}
	})
}
