package inbound_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/inbound"
	"github.com/duehub/duehub/jobs"
	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
)

// The team's email about a new question carries the thread's reply
// address; the agent's emailed answer is the vendor's reply.
func TestTeamMailCarriesReplyTo(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newReplyWorld(t, db)
		ctx := context.Background()
		if _, err := w.vendors.InviteMember(ctx, w.northwind, vendors.NewMember{Email: "agent@northwind.example", Name: "Ann", Role: vendors.RoleAgent}); err != nil {
			t.Fatal(err)
		}
		th, err := w.thr.AskQuestion(ctx, w.payerID, w.invoices["NW-1002"], "Is 1002 a duplicate?")
		if err != nil {
			t.Fatal(err)
		}
		team := jobs.NewTeamMail(jobs.TeamMailConfig{Vendors: w.vendors, Payers: w.payers, Threads: w.thr, Mailer: w.outbox,
			From: "reminders@duehub.example", BaseURL: "https://hub.example", ReplyTo: w.store.TeamAddress,
			Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if n, err := team.NotifyNewThreads(ctx); err != nil || n != 1 {
			t.Fatalf("announced %d: %v", n, err)
		}
		mails := w.outboxTo("agent@northwind.example")
		if len(mails) != 1 || mails[0].Headers["Reply-To"] == "" {
			t.Fatalf("team mails %+v", mails)
		}
		e := w.email("apple_reply.eml", mails[0].Headers["Reply-To"])
		e.From, e.Text = "agent@northwind.example", "No, 1002 is for the December delivery.\n\n> Is 1002 a duplicate?"
		if out := w.route(e); out.Status != inbound.StatusRouted {
			t.Fatalf("outcome %+v", out)
		}
		v, err := w.thr.VendorThread(ctx, w.northwind, th.ID)
		if err != nil || v.State != threads.ThreadAnswered || v.Messages[len(v.Messages)-1].Body != "No, 1002 is for the December delivery." {
			t.Fatalf("thread %+v %v", v, err)
		}
		if evs := w.events(w.northwind, threads.EventThreadMessage); len(evs) != 1 || evs[0]["author"] != "vendor" {
			t.Errorf("events %v", evs)
		}
	})
}
