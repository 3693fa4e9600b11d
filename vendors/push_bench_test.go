package vendors_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/migrations"
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
	cpu := cpuMeter(b, db)
	b.Run("unchanged", func(b *testing.B) {
		defer cpu(b)()
		for b.Loop() {
			res, err := s.PushInvoices(ctx, v.ID, warm)
			if err != nil || res[0].Result != vendors.ResultUnchanged {
				b.Fatalf("%v %v", err, res[0])
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/vendors.MaxBatch, "ns/invoice")
	})
	b.Run("created", func(b *testing.B) {
		defer cpu(b)()
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

// cpuMeter reports the CPU time a benchmark used per invoice, in this
// process (hub-cpu-ns/invoice) and, on PostgreSQL, in the server process
// of the one connection the store is given (pg-cpu-ns/invoice): wall time
// on a shared two-core machine moves with everything else that runs, CPU
// time much less.
func cpuMeter(b *testing.B, db *database.DB) func(b *testing.B) func() {
	pid := 0
	if db.Dialect == migrations.Postgres {
		db.SQL.SetMaxOpenConns(1)
		if err := db.Gorm.Raw("SELECT pg_backend_pid()").Scan(&pid).Error; err != nil {
			b.Fatal(err)
		}
	}
	return func(b *testing.B) func() {
		hub0, pg0 := selfCPU(), procCPU(pid)
		return func() {
			n := float64(b.N) * vendors.MaxBatch
			b.ReportMetric(float64(selfCPU()-hub0)/n, "hub-cpu-ns/invoice")
			if pid != 0 {
				b.ReportMetric(float64(procCPU(pid)-pg0)/n, "pg-cpu-ns/invoice")
			}
		}
	}
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU is the user and system time of process pid (Linux, same machine).
func procCPU(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond // USER_HZ is 100
}

// BenchmarkCopyInvoicesBaseline is what BenchmarkPushInvoices/created is
// measured against: the same 1000 new rows written by a bare pgx COPY into
// invoices (customers already resolved, nothing compared, no results), on
// the connection pool of the same store.
func BenchmarkCopyInvoicesBaseline(b *testing.B) {
	db := dbtest.Postgres(b)
	ctx := context.Background()
	s := vendors.NewStore(db.Gorm, payers.NewStore(db.Gorm, time.Now), time.Now)
	v, err := s.CreateVendor(ctx, vendors.NewVendor{Name: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.PushInvoices(ctx, v.ID, benchItems("WARM", vendors.MaxBatch)); err != nil {
		b.Fatal(err)
	}
	var custs []struct {
		ID         int64
		ExternalID string
	}
	if err := db.Gorm.Table("customers").Select("id", "external_id").Where("vendor_id = ?", v.ID).Order("external_id").Find(&custs).Error; err != nil {
		b.Fatal(err)
	}
	if err := db.Gorm.Exec("ANALYZE").Error; err != nil {
		b.Fatal(err)
	}
	cpu := cpuMeter(b, db)
	cols := []string{"vendor_id", "external_id", "number", "customer_id", "currency", "amount_due", "amount_remaining",
		"issue_date", "due_date", "pay_url", "pdf_url", "status", "memo", "created_at", "updated_at"}
	b.Run("created", func(b *testing.B) {
		defer cpu(b)()
		round := 0
		for b.Loop() {
			round++
			now := time.Now().UTC()
			due := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
			rows := make([][]any, vendors.MaxBatch)
			for i := range rows {
				rows[i] = []any{v.ID, fmt.Sprintf("NEW%d-%07d", round, i), fmt.Sprintf("NEW%d-%07d", round, i), custs[i%len(custs)].ID,
					"EUR", int64(1000), int64(1000), nil, due, "", "", vendors.StatusOpen, "", now, now}
			}
			conn, err := db.SQL.Conn(ctx)
			if err != nil {
				b.Fatal(err)
			}
			err = conn.Raw(func(dc any) error {
				_, err := dc.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{"invoices"}, cols, pgx.CopyFromRows(rows))
				return err
			})
			conn.Close()
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/vendors.MaxBatch, "ns/invoice")
	})
}
