package vendors_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/vendors"
)

func TestMigratedSchemaHoldsMember(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		dbtest.CheckColumns(t, db, &vendors.Member{})
	})
}

func TestMembersAreScopedToTheirVendor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		s := stores(t, db)
		a, _ := s.CreateVendor(ctx, vendors.NewVendor{Name: "A", SupportEmail: "ar@a.example"})
		b, _ := s.CreateVendor(ctx, vendors.NewVendor{Name: "B"})

		if got, err := s.TeamEmails(ctx, a.ID); err != nil || len(got) != 1 || got[0] != "ar@a.example" {
			t.Fatalf("a team without members is reached at the support address; got %v %v", got, err)
		}
		if got, _ := s.TeamEmails(ctx, b.ID); len(got) != 0 {
			t.Fatalf("no members and no support address: nobody to email, got %v", got)
		}

		alice, err := s.InviteMember(ctx, a.ID, vendors.NewMember{Email: " Alice@A.example ", Name: "Alice", Role: vendors.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		if alice.Email != "alice@a.example" {
			t.Fatalf("email stored as %q, want it normalised", alice.Email)
		}
		var ve *vendors.ValidationError
		if _, err := s.InviteMember(ctx, a.ID, vendors.NewMember{Email: "alice@a.example", Role: vendors.RoleAgent}); !errors.As(err, &ve) || ve.Fields[0].Field != "email" {
			t.Fatalf("second invitation of an active member: %v, want a validation error on email", err)
		}
		// The same person may be on two vendors' teams.
		if _, err := s.InviteMember(ctx, b.ID, vendors.NewMember{Email: "alice@a.example", Role: vendors.RoleAgent}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.InviteMember(ctx, a.ID, vendors.NewMember{Email: "not an email", Role: "owner"}); !errors.As(err, &ve) || len(ve.Fields) != 2 {
			t.Fatalf("bad email and role: %v", err)
		}

		if _, err := s.Member(ctx, b.ID, alice.ID); !errors.Is(err, vendors.ErrNotFound) {
			t.Fatalf("vendor B reads A's member: %v", err)
		}
		if err := s.DisableMember(ctx, b.ID, alice.ID); !errors.Is(err, vendors.ErrNotFound) {
			t.Fatalf("vendor B disables A's member: %v", err)
		}
		if m, _ := s.Member(ctx, a.ID, alice.ID); !m.Active() {
			t.Fatal("B's attempt disabled A's member")
		}
		if got, _ := s.TeamEmails(ctx, a.ID); len(got) != 1 || got[0] != "alice@a.example" {
			t.Fatalf("team emails = %v, want the active member instead of the support address", got)
		}
		if ms, _ := s.ActiveMembersByEmail(ctx, "alice@a.example"); len(ms) != 2 {
			t.Fatalf("%d memberships, want 2", len(ms))
		}

		if err := s.DisableMember(ctx, a.ID, alice.ID); err != nil {
			t.Fatal(err)
		}
		if ms, _ := s.ActiveMembersByEmail(ctx, "alice@a.example"); len(ms) != 1 || ms[0].VendorID != b.ID {
			t.Fatalf("after disabling, memberships = %+v, want only B's", ms)
		}
		if got, _ := s.TeamEmails(ctx, a.ID); len(got) != 1 || got[0] != "ar@a.example" {
			t.Fatalf("with its only member disabled the team is reached at the support address, got %v", got)
		}
		again, err := s.InviteMember(ctx, a.ID, vendors.NewMember{Email: "alice@a.example", Name: "Alice M.", Role: vendors.RoleAgent})
		if err != nil || again.ID != alice.ID || !again.Active() {
			t.Fatalf("re-inviting a disabled member enables the same row: %+v %v", again, err)
		}
		if m, _ := s.Member(ctx, a.ID, alice.ID); m.Role != vendors.RoleAgent || m.Name != "Alice M." || !m.Active() {
			t.Fatalf("re-invited member = %+v", m)
		}
	})
}

func TestSignInLinksAreSingleUse(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		s := stores(t, db)
		v, _ := s.CreateVendor(ctx, vendors.NewVendor{Name: "A"})
		m, _ := s.InviteMember(ctx, v.ID, vendors.NewMember{Email: "bob@a.example", Role: vendors.RoleAgent})
		exp := time.Now().Add(15 * time.Minute)
		if used, _ := s.SignInUsed(ctx, "jti-1"); used {
			t.Fatal("fresh link reported used")
		}
		if err := s.UseSignIn(ctx, m.ID, "jti-1", exp); err != nil {
			t.Fatal(err)
		}
		if err := s.UseSignIn(ctx, m.ID, "jti-1", exp); !errors.Is(err, vendors.ErrSignInUsed) {
			t.Fatalf("second use: %v, want ErrSignInUsed", err)
		}
		if used, _ := s.SignInUsed(ctx, "jti-1"); !used {
			t.Fatal("used link not reported used")
		}
		if err := s.UseSignIn(ctx, m.ID, "jti-2", exp); err != nil {
			t.Fatalf("another link: %v", err)
		}
	})
}
