package admins_test

import (
	"context"
	"testing"

	"github.com/duehub/duehub/admins"
	"github.com/duehub/duehub/audit"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
)

// TestSchema: the Go types of issue 15 match migration 00025, and an
// operator account is created once (a second time is a validation error).
func TestSchema(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		dbtest.CheckColumns(t, db, &admins.Admin{}, &audit.Entry{})
		s := admins.NewStore(db.Gorm, nil)
		ctx := context.Background()
		a, err := s.Create(ctx, " Ops@Hub.Example ")
		if err != nil || a.Email != "ops@hub.example" {
			t.Fatalf("create: %+v %v", a, err)
		}
		if _, err := s.Create(ctx, "ops@hub.example"); err == nil {
			t.Fatal("an operator was created twice")
		}
		if _, err := s.Create(ctx, "not an address"); err == nil {
			t.Fatal("a bad address was accepted")
		}
	})
}
