package vendors_test

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

func benchItems(prefix string, n int) []vendors.InvoiceInput {
	items := make([]vendors.InvoiceInput, n)
	for i := range items {
		items[i] = inv(fmt.Sprintf("%s-%07d", prefix, i), fmt.Sprintf("CUST-%04d", i%300), fmt.Sprintf("ap@payer%04d.example", i%300), "")
	}
	return items
}

// BenchmarkPushInvoices is one batch of 1000 through the store on
// PostgreSQL (COPY into a temporary table, then one upsert): new invoices (customers and payers already known), and the
// same batch again unchanged.
func BenchmarkPushInvoices(b *testing.B) { benchPush(b, dbtest.Postgres(b)) }

// BenchmarkPushInvoicesSQLite is the same on the embedded default.
func BenchmarkPushInvoicesSQLite(b *testing.B) { benchPush(b, dbtest.SQLite(b)) }

func benchPush(b *testing.B, db *database.DB) {
	ctx := context.Background()
	s := vendors.NewStore(db.Gorm, payers.NewStore(db.Gorm, time.Now), time.Now)
	v, err := s.CreateVendor(ctx, vendors.NewVendor{Name: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
	warm := benchItems("WARM", vendors.MaxBatch)
	if _, err := s.PushInvoices(ctx, v.ID, warm); err != nil {
		b.Fatal(err)
	}
	// The server this was written on runs without autovacuum: fresh
	// statistics keep the plans those of a live hub.
	if err := db.Gorm.Exec("ANALYZE").Error; err != nil {
		b.Fatal(err)
	}
	b.Run("unchanged", func(b *testing.B) {
		for b.Loop() {
			res, err := s.PushInvoices(ctx, v.ID, warm)
			if err != nil || res[0].Result != vendors.ResultUnchanged {
				b.Fatalf("%v %v", err, res[0])
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/vendors.MaxBatch, "ns/invoice")
	})
	b.Run("created", func(b *testing.B) {
		round := 0
		for b.Loop() {
			round++
			res, err := s.PushInvoices(ctx, v.ID, benchItems(fmt.Sprintf("NEW%d", round), vendors.MaxBatch))
			if err != nil || res[0].Result != vendors.ResultCreated {
				b.Fatalf("%v %v", err, res[0])
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/vendors.MaxBatch, "ns/invoice")
	})
}
