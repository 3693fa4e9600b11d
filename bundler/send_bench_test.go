package bundler_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/notify"
)

// discard accepts every message and keeps nothing: the benchmarks measure
// the hub, not a provider.
type discard struct{}

func (discard) Send(context.Context, notify.Message) (notify.Result, error) {
	return notify.Result{ProviderID: "discarded"}, nil
}

const benchPayers = 500

// sendFixture seeds benchPayers payers, all due, and returns a runner that
// sends through discard and a function that plans a fresh pass (ledger,
// attempts and events emptied) and returns its pending rows.
func sendFixture(b *testing.B, db *database.DB) (*bundler.Runner, func() []bundler.PendingEntry) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	n := newNetwork(b, db, now)
	seedDuePayers(b, db, n.vendor("Northwind", ""), benchPayers, "2026-11-20", now)
	r := n.runner(map[notify.Channel]notify.Sender{notify.Email: discard{}})
	ctx := context.Background()
	return r, func() []bundler.PendingEntry {
		for _, t := range []string{"delivery_attempts", "events", "digests"} {
			if err := db.Gorm.Exec(`DELETE FROM ` + t).Error; err != nil {
				b.Fatal(err)
			}
		}
		if _, err := r.Plan(ctx); err != nil {
			b.Fatal(err)
		}
		pending, err := r.PendingEntries(ctx)
		if err != nil || len(pending) != benchPayers {
			b.Fatalf("%d pending of %d: %v", len(pending), benchPayers, err)
		}
		return pending
	}
}

// reportSend reports digests per second of wall time, and this process's
// CPU time per digest (the PostgreSQL server's is not in it): on a shared
// machine the wall time says as much about the neighbours as about the code.
func reportSend(b *testing.B, cpu time.Duration) {
	b.ReportMetric(float64(benchPayers*b.N)/b.Elapsed().Seconds(), "digests/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(benchPayers*b.N), "cpu-µs/digest")
}

// benchSendPerRow sends each pending row with Send, from workers goroutines
// (1 is RunOnce before batching; 8 is River's send workers).
func benchSendPerRow(b *testing.B, db *database.DB, workers int) {
	r, plan := sendFixture(b, db)
	ctx := context.Background()
	var cpu time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		pending := plan()
		b.StartTimer()
		cpu0 := cpuTime()
		ids := make(chan int64)
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for id := range ids {
					if out, err := r.Send(ctx, id); out != bundler.OutcomeSent || err != nil {
						b.Errorf("digest %d: %s %v", id, out, err)
					}
				}
			}()
		}
		for _, p := range pending {
			ids <- p.ID
		}
		close(ids)
		wg.Wait()
		cpu += cpuTime() - cpu0
	}
	reportSend(b, cpu)
}

func BenchmarkSendPerRowSQLite(b *testing.B)    { benchSendPerRow(b, dbtest.SQLite(b), 1) }
func BenchmarkSendPerRowPostgres(b *testing.B)  { benchSendPerRow(b, dbtest.Postgres(b), 1) }
func BenchmarkSendPerRow8SQLite(b *testing.B)   { benchSendPerRow(b, dbtest.SQLite(b), 8) }
func BenchmarkSendPerRow8Postgres(b *testing.B) { benchSendPerRow(b, dbtest.Postgres(b), 8) }

// benchSendBatch sends the pending rows as RunOnce does now: batches of
// size, built and rendered on all cores.
func benchSendBatch(b *testing.B, db *database.DB, size int) {
	r, plan := sendFixture(b, db)
	ctx := context.Background()
	var cpu time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		pending := plan()
		b.StartTimer()
		cpu0 := cpuTime()
		for _, batch := range bundler.Batches(pending, size) {
			results, err := r.SendBatch(ctx, batch.IDs)
			if err != nil {
				b.Fatal(err)
			}
			for _, res := range results {
				if res.Outcome != bundler.OutcomeSent {
					b.Fatalf("%+v", res)
				}
			}
		}
		cpu += cpuTime() - cpu0
	}
	reportSend(b, cpu)
}

func BenchmarkSendBatchSQLite(b *testing.B) {
	benchSendBatch(b, dbtest.SQLite(b), bundler.DefaultSQLiteBatchSize)
}
func BenchmarkSendBatchPostgres(b *testing.B) {
	benchSendBatch(b, dbtest.Postgres(b), bundler.DefaultBatchSize)
}
