package webhooks_test

import (
	"testing"
	"time"

	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/vendors"
)

// TestFanOutLateCommit: an event whose transaction commits after a later
// event was fanned out is still delivered, once; a rolled-back one never is.
// (SQLite has one writer at a time, so this cannot happen there.)
func TestFanOutLateCommit(t *testing.T) {
	db := dbtest.Postgres(t)
	e := newEnv(t, db, open())
	rc := newReceiver(t)
	e.endpoint(rc.URL)

	slow := db.Gorm.Begin()
	defer slow.Rollback() // a no-op once it ended; on failure it releases the schema
	late := vendors.Event{VendorID: e.vendor.ID, Type: "dispute.created", Payload: `{"n":1}`, CreatedAt: start}
	if err := slow.Create(&late).Error; err != nil {
		t.Fatal(err)
	}
	e.event("pay.clicked", map[string]any{"n": 2})
	rolled := db.Gorm.Begin()
	defer rolled.Rollback() // a no-op once it ended; on failure it releases the schema
	if err := rolled.Create(&vendors.Event{VendorID: e.vendor.ID, Type: "pay.clicked", Payload: `{"n":3}`, CreatedAt: start}).Error; err != nil {
		t.Fatal(err)
	}
	// Long after both were written: no grace period decides anything.
	e.clock.Set(start.Add(time.Hour))
	e.run()
	if rc.count() != 1 {
		t.Fatalf("%d requests while the first transaction is open, want the committed event", rc.count())
	}
	if err := rolled.Rollback().Error; err != nil {
		t.Fatal(err)
	}
	if err := slow.Commit().Error; err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		e.clock.Set(e.clock.Now().Add(time.Hour))
		e.run()
	}
	if rc.count() != 2 || rc.hits[1].header.Get("Duehub-Event-Id") != late.PublicID {
		t.Fatalf("%d requests, want the late event delivered once after the other", rc.count())
	}
}
