package vendors_test

import (
	"context"
	"testing"
	"time"

	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/vendors"
)

// TestTeamMailLateCommit: a question whose transaction commits after a later
// one was announced is still announced to the team.
// (SQLite has one writer at a time, so this cannot happen there.)
func TestTeamMailLateCommit(t *testing.T) {
	db := dbtest.Postgres(t)
	s := stores(t, db)
	ctx := context.Background()
	v, err := s.CreateVendor(ctx, vendors.NewVendor{Name: "Northwind"})
	if err != nil {
		t.Fatal(err)
	}
	slow := db.Gorm.Begin()
	defer slow.Rollback() // a no-op once it ended; on failure it releases the schema
	late := vendors.Event{VendorID: v.ID, Type: vendors.EventQuestionCreated, Payload: `{"thread_id":1}`, CreatedAt: time.Now().UTC()}
	if err := slow.Create(&late).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.RecordEvent(ctx, v.ID, vendors.EventQuestionCreated, map[string]int{"thread_id": 2}); err != nil {
		t.Fatal(err)
	}
	evs, err := s.PendingTeamEvents(ctx, 10)
	if err != nil || len(evs) != 1 || evs[0].Payload != `{"thread_id":2}` {
		t.Fatalf("pending while the first is open: %+v, %v", evs, err)
	}
	if won, err := s.ClaimTeamEvent(ctx, v.ID, evs[0].Cursor, evs[0].Pos); err != nil || !won {
		t.Fatalf("claim: %v %v", won, err)
	}
	if err := slow.Commit().Error; err != nil {
		t.Fatal(err)
	}
	evs, err = s.PendingTeamEvents(ctx, 10)
	if err != nil || len(evs) != 1 || evs[0].ID != late.ID {
		t.Fatalf("pending after the late commit: %+v, %v; want the late question", evs, err)
	}
}
