package migrations_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/migrations"
	"github.com/duehub/duehub/vendors"
)

// TestEventFeedUpgrade fills a schema of version 6 with events and a webhook
// endpoint, applies 00007 and checks that what vendors hold still works:
// event ids and cursors (evt_<n>), the endpoint's cursor, and new events
// come after the old ones.
func TestEventFeedUpgrade(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			url := filepath.Join(t.TempDir(), "hub.db")
			if dialect == "postgres" {
				url = dbtest.PostgresURL(t)
			}
			db, err := database.Open(ctx, url, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := migrations.UpToForTest(ctx, db.SQL, db.Dialect, 6); err != nil {
				t.Fatal(err)
			}
			now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
			for _, q := range []string{
				`INSERT INTO vendors (id, name, created_at, updated_at) VALUES (1, 'Northwind', ?, ?), (2, 'Contoso', ?, ?)`,
				`INSERT INTO events (id, vendor_id, type, payload, created_at) VALUES
				 (1, 1, 'pay.clicked', '{"n":1}', ?), (2, 2, 'pay.clicked', '{}', ?), (3, 1, 'pay.clicked', '{"n":3}', ?), (4, 1, 'pay.clicked', '{"n":4}', ?)`,
				`INSERT INTO webhook_endpoints (id, public_id, vendor_id, url, secret, event_cursor, created_at, updated_at)
				 VALUES (1, 'we_1', 1, 'https://hooks.northwind.example/', 'whsec_x', 3, ?, ?)`,
			} {
				args := make([]any, strings.Count(q, "?"))
				for i := range args {
					args[i] = now
				}
				if err := db.Gorm.Exec(q, args...).Error; err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if db.Postgres() { // the rows above were given their ids
				for _, seq := range []string{"vendors_id_seq', 2", "events_id_seq', 4", "webhook_endpoints_id_seq', 1"} {
					if err := db.Gorm.Exec("SELECT setval('" + seq + ")").Error; err != nil {
						t.Fatal(err)
					}
				}
			}
			if _, err := migrations.Up(ctx, db.SQL, db.Dialect, nil); err != nil {
				t.Fatal(err)
			}

			vs := vendors.NewStore(db.Gorm, nil, time.Now)
			if err := vs.RecordEvent(ctx, 1, "dispute.created", map[string]int{"n": 5}); err != nil {
				t.Fatal(err)
			}
			pos, err := vs.EventPos(ctx, 1, "evt_1")
			if err != nil {
				t.Fatalf("an old id as cursor: %v", err)
			}
			evs, err := vs.Events(ctx, 1, pos, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != 3 || evs[0].PublicID != "evt_3" || evs[1].PublicID != "evt_4" || evs[2].Type != "dispute.created" {
				t.Fatalf("after evt_1: %+v", evs)
			}
			if _, err := vs.EventPos(ctx, 1, "evt_2"); err == nil {
				t.Fatal("another vendor's old id is a cursor")
			}
			// The endpoint had fanned out up to event 3: it gets 4 and the new one.
			n, err := vs.FanOutWebhooks(ctx, now, 100)
			if err != nil || n != 2 {
				t.Fatalf("fan-out after the upgrade: %d, %v; want 2", n, err)
			}
			var got []int64
			if err := db.Gorm.Table("webhook_deliveries").Order("event_id").Pluck("event_id", &got).Error; err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got[0] != 4 || got[1] != evs[2].ID {
				t.Fatalf("deliveries of events %v", got)
			}
		})
	}
}
