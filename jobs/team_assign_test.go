package jobs_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/payers"
)

// Assigning a thread to someone else emails them once; taking it oneself,
// or assigning it again to the same member, emails nobody; a failed send is
// tried again by the next pass.
func TestAssigningEmailsTheAssignee(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		w := newTeamWorld(t, db, time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC))
		v := w.vendor("Northwind", "UTC", "", "alice@northwind.example", "bob@northwind.example")
		th := w.ask(w.invoice(v, "N-1"), "Which PO is this?")
		ms, err := w.vendors.Members(ctx, v)
		if err != nil || len(ms) != 2 {
			t.Fatalf("members %v %v", ms, err)
		}
		alice, bob := ms[0], ms[1]
		if alice.Email != "alice@northwind.example" {
			alice, bob = bob, alice
		}
		asAlice := payers.WithActor(ctx, alice.ID)
		if err := w.threads.AssignThread(asAlice, v, th.ID, alice.ID); err != nil {
			t.Fatal(err)
		}
		if n, err := w.team(failing{}).NotifyAssignments(ctx); n != 0 || err != nil {
			t.Fatalf("taking a thread oneself: %d emails, %v", n, err)
		}
		if err := w.threads.AssignThread(asAlice, v, th.ID, bob.ID); err != nil {
			t.Fatal(err)
		}
		if n, err := w.team(failing{}).NotifyAssignments(ctx); n != 0 || err == nil {
			t.Fatalf("with the mailer down: %d sent, err %v", n, err)
		}
		if n, err := w.team(w.box).NotifyAssignments(ctx); n != 1 || err != nil {
			t.Fatalf("next pass: %d sent, %v", n, err)
		}
		if n, _ := w.team(w.box).NotifyAssignments(ctx); n != 0 {
			t.Fatalf("a second pass sent %d more", n)
		}
		mails := w.mails("team-assign-")
		if len(mails) != 1 || len(mails[0].To) != 1 || mails[0].To[0] != "bob@northwind.example" ||
			mails[0].Subject != "alice@northwind.example assigned you a question from Acme Corp on invoice N-1" ||
			!strings.Contains(mails[0].Text, "https://hub.example/vendor/threads/") {
			t.Fatalf("assignment emails %+v", mails)
		}
		// Assigned again to the same member: nothing new to tell.
		if err := w.threads.AssignThread(asAlice, v, th.ID, bob.ID); err != nil {
			t.Fatal(err)
		}
		if n, _ := w.team(w.box).NotifyAssignments(ctx); n != 0 {
			t.Fatalf("re-assigning to the same member sent %d", n)
		}
	})
}
