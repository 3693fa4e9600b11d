package imports_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/imports"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

func TestStoreIsPerVendor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		dbtest.CheckColumns(t, db, &imports.ImportRun{})
		ctx := context.Background()
		vs := vendors.NewStore(db.Gorm, payers.NewStore(db.Gorm, time.Now), time.Now)
		a, _ := vs.CreateVendor(ctx, vendors.NewVendor{Name: "A"})
		b, _ := vs.CreateVendor(ctx, vendors.NewVendor{Name: "B"})
		s := imports.NewStore(db.Gorm, time.Now)
		if err := s.SaveMapping(ctx, a.ID, imports.Mapping{"external_id": "Id"}); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveMapping(ctx, a.ID, imports.Mapping{"external_id": "Invoice"}); err != nil {
			t.Fatal(err)
		}
		if m, _ := s.Mapping(ctx, a.ID); m["external_id"] != "Invoice" {
			t.Errorf("A's mapping = %v", m)
		}
		if m, _ := s.Mapping(ctx, b.ID); m != nil {
			t.Errorf("B sees a mapping: %v", m)
		}
		run, err := s.SaveRun(ctx, a.ID, 0, "a.csv", imports.Counts{Rows: 2, Created: 1, Errors: 1}, "line,external_id,field,message\n", false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Run(ctx, b.ID, run.ID); !errors.Is(err, vendors.ErrNotFound) {
			t.Errorf("B reads A's run: %v", err)
		}
		if rs, _ := s.Runs(ctx, b.ID, 10); len(rs) != 0 {
			t.Errorf("B lists %d runs", len(rs))
		}
		if got, err := s.Run(ctx, a.ID, run.ID); err != nil || got.Created != 1 || !strings.HasPrefix(got.ErrorCSV, "line,") {
			t.Errorf("A's run = %+v %v", got, err)
		}
	})
}

// BenchmarkImport100k imports 100,000 generated rows (5,000 customers,
// every 1000th row bad) into SQLite through the real push path, and
// reports the peak heap in use while it runs.
func BenchmarkImport100k(b *testing.B) {
	for i := 0; i < b.N; i++ {
		db := dbtest.SQLite(b)
		ctx := context.Background()
		vs := vendors.NewStore(db.Gorm, payers.NewStore(db.Gorm, time.Now), time.Now)
		v, _ := vs.CreateVendor(ctx, vendors.NewVendor{Name: "Bench"})
		r, err := imports.NewReader(genCSV(100_000))
		if err != nil {
			b.Fatal(err)
		}
		var peak uint64
		push := func(ctx context.Context, items []vendors.InvoiceInput) ([]vendors.PushResult, error) {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			return vs.PushInvoices(ctx, v.ID, items)
		}
		var report strings.Builder
		start := time.Now()
		c, err := imports.Run(ctx, r, imports.Guess(r.Header()), push, &report)
		if err != nil || c.Created != 99_900 || c.Errors != 100 {
			b.Fatalf("%+v %v", c, err)
		}
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		b.ReportMetric(float64(c.Rows)/time.Since(start).Seconds(), "rows/s")
	}
}

// genCSV streams n rows as a file upload would arrive: never whole in memory.
func genCSV(n int) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		w := bufio.NewWriter(pw)
		w.WriteString("external_id,number,customer_id,customer_email,currency,amount_due,due_date\n")
		for i := 0; i < n; i++ {
			due := "2026-12-01"
			if i%1000 == 999 {
				due = "someday"
			}
			fmt.Fprintf(w, "INV-%06d,%d,C-%d,ap%d@payer.example,USD,\"1,250.00\",%s\n", i, i, i%5000, i%5000, due)
		}
		pw.CloseWithError(w.Flush())
	}()
	return pr
}
