package payers_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// BenchmarkLinkPayers resolves the customers of one batch push (1000
// contacts, about 300 distinct payers) to network payers on PostgreSQL,
// inside a transaction that is rolled back: payers that exist already, and
// payers seen for the first time.
func BenchmarkLinkPayers(b *testing.B) { benchLink(b, dbtest.Postgres(b)) }

// BenchmarkLinkPayersSQLite is the same on the embedded default.
func BenchmarkLinkPayersSQLite(b *testing.B) { benchLink(b, dbtest.SQLite(b)) }

func benchLink(b *testing.B, db *database.DB) {
	ctx := context.Background()
	s := payers.NewStore(db.Gorm, time.Now)
	contacts := func(prefix string) []vendors.PayerContact {
		out := make([]vendors.PayerContact, 1000)
		for i := range out {
			out[i] = vendors.PayerContact{Email: fmt.Sprintf("ap@%s%04d.example", prefix, i%300)}
			if i%10 == 0 {
				out[i].Phone = fmt.Sprintf("+1201555%04d", i%300)
			}
		}
		return out
	}
	known := contacts("known")
	if _, err := s.LinkPayers(ctx, db.Gorm, known); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		contacts []vendors.PayerContact
	}{{"existing", known}, {"new", contacts("new")}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				tx := db.Gorm.Begin()
				ids, err := s.LinkPayers(ctx, tx, c.contacts)
				tx.Rollback()
				if err != nil || len(ids) != len(c.contacts) || ids[0] == 0 {
					b.Fatalf("%v (%d ids)", err, len(ids))
				}
			}
		})
	}
}
