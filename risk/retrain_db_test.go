package risk

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// retrainNow is the clock of the retraining tests: the end of the seeded
// history.
var retrainNow = time.Date(2026, 11, 17, 2, 0, 0, 0, time.UTC)

// seedHistory gives one new vendor customers customers (each its own
// payer) with perCustomer invoices each, one a month going back from
// retrainNow: paid 3 to 40 days after the due date by customer habit, the
// last two months' still open. It returns the vendor's id.
func seedHistory(tb testing.TB, db *database.DB, name string, customers, perCustomer int) int64 {
	tb.Helper()
	ctx := context.Background()
	clock := func() time.Time { return retrainNow }
	ps := payers.NewStore(db.Gorm, clock)
	v, err := vendors.NewStore(db.Gorm, ps, clock).CreateVendor(ctx, vendors.NewVendor{Name: name})
	if err != nil {
		tb.Fatal(err)
	}
	g := db.Gorm
	insert := func(table, cols string, n int, row func(i int) []any) {
		width := strings.Count(cols, ",") + 1
		per := database.RowsPerStatement(g, width)
		one := "(" + strings.TrimSuffix(strings.Repeat("?,", width), ",") + ")"
		for from := 0; from < n; from += per {
			to := min(n, from+per)
			args := make([]any, 0, (to-from)*width)
			for i := from; i < to; i++ {
				args = append(args, row(i)...)
			}
			sql := "INSERT INTO " + table + " (" + cols + ") VALUES " + strings.TrimSuffix(strings.Repeat(one+",", to-from), ",")
			if err := g.Exec(sql, args...).Error; err != nil {
				tb.Fatalf("seed %s: %v", table, err)
			}
		}
	}
	key := func(i int) string { return fmt.Sprintf("ap%d@%s.example", i, strings.ToLower(name)) }
	insert("payers", "key, cadence, created_at, updated_at", customers, func(i int) []any {
		return []any{"email:" + key(i), "rhythm", retrainNow, retrainNow}
	})
	var payerIDs []int64
	if err := g.Raw(`SELECT id FROM payers WHERE key LIKE ? ORDER BY id`, "email:%@"+strings.ToLower(name)+".example").Scan(&payerIDs).Error; err != nil {
		tb.Fatal(err)
	}
	insert("customers", "vendor_id, external_id, name, email, payer_id, created_at, updated_at", customers, func(i int) []any {
		return []any{v.ID, fmt.Sprintf("C-%d", i), fmt.Sprintf("Customer %d", i), key(i), payerIDs[i], retrainNow, retrainNow}
	})
	var customerIDs []int64
	if err := g.Raw(`SELECT id FROM customers WHERE vendor_id = ? ORDER BY id`, v.ID).Scan(&customerIDs).Error; err != nil {
		tb.Fatal(err)
	}
	today := civil.Of(retrainNow)
	insert("invoices", "vendor_id, external_id, number, customer_id, currency, amount_due, amount_remaining, issue_date, due_date, status, paid_at, created_at, updated_at",
		customers*perCustomer, func(i int) []any {
			c, k := i/perCustomer, i%perCustomer
			issue := today.AddDays(-30 * (perCustomer - k))
			due := issue.AddDays(30)
			amount := int64(10000 + (c*37+k*11)%9000)
			created := issue.In(time.UTC)
			if k >= perCustomer-2 {
				return []any{v.ID, fmt.Sprintf("I-%d-%d", c, k), fmt.Sprintf("%d-%d", c, k), customerIDs[c], "USD", amount, amount,
					issue.String(), due.String(), "open", nil, created, created}
			}
			paid := due.AddDays(3 + (c%8)*5 + k%4).In(time.UTC)
			return []any{v.ID, fmt.Sprintf("I-%d-%d", c, k), fmt.Sprintf("%d-%d", c, k), customerIDs[c], "USD", amount, 0,
				issue.String(), due.String(), "paid", paid, created, paid}
		})
	return v.ID
}

// writerWaits runs, until stop is closed, a small write every millisecond
// — what a push is to the database — and returns the longest any waited.
func writerWaits(db *database.DB, vendorID int64, stop <-chan struct{}) <-chan time.Duration {
	out := make(chan time.Duration, 1)
	go func() {
		var longest time.Duration
		for {
			select {
			case <-stop:
				out <- longest
				return
			case <-time.After(time.Millisecond):
			}
			began := time.Now()
			db.Gorm.Exec(`UPDATE vendors SET updated_at = ? WHERE id = ?`, time.Now().UTC(), vendorID)
			longest = max(longest, time.Since(began))
		}
	}()
	return out
}

// BenchmarkRetrainWriterWaitSQLite retrains a vendor of 10,000 customers
// (10,000 payers) and 100,000 invoices on the embedded default while a
// writer writes every millisecond, and reports the longest that writer
// waited: on SQLite's one connection, the longest the retraining kept
// every other writer (a push, the planner) out. Run it once:
// go test -run '^$' -bench RetrainWriterWait -benchtime 1x ./risk
func BenchmarkRetrainWriterWaitSQLite(b *testing.B) {
	db := dbtest.SQLite(b)
	vendorID := seedHistory(b, db, "Northwind", 10_000, 10)
	probe := seedHistory(b, db, "Probe", 1, 1)
	slowest := &slowestStatement{}
	s := NewStore(db.Gorm.Session(&gorm.Session{Logger: slowest}), func() time.Time { return retrainNow })
	ctx := context.Background()
	var longest time.Duration
	b.ResetTimer()
	for range b.N {
		stop := make(chan struct{})
		waits := writerWaits(db, probe, stop)
		m, err := s.Retrain(ctx, vendorID)
		close(stop)
		longest = max(longest, <-waits)
		if err != nil || m.Kind != KindLogistic {
			b.Fatalf("%s: %v", m.Kind, err)
		}
	}
	b.ReportMetric(float64(longest.Microseconds())/1000, "max-writer-wait-ms")
	b.ReportMetric(float64(slowest.took.Microseconds())/1000, "max-statement-ms")
	b.Logf("slowest statement (%s): %.200s", slowest.took, slowest.sql)
}

// slowestStatement is a gorm logger that keeps the slowest statement.
type slowestStatement struct {
	mu   sync.Mutex
	took time.Duration
	sql  string
}

func (l *slowestStatement) LogMode(logger.LogLevel) logger.Interface { return l }
func (l *slowestStatement) Info(context.Context, string, ...any)     {}
func (l *slowestStatement) Warn(context.Context, string, ...any)     {}
func (l *slowestStatement) Error(context.Context, string, ...any)    {}
func (l *slowestStatement) Trace(_ context.Context, begin time.Time, fc func() (string, int64), _ error) {
	took := time.Since(begin)
	l.mu.Lock()
	defer l.mu.Unlock()
	if took > l.took {
		l.took = took
		l.sql, _ = fc()
	}
}

// statementRows records, through gorm callbacks, the most rows one
// statement and one transaction wrote (or read, for the reads whose rows
// gorm counts in its callbacks: Find and Pluck, not Scan).
type statementRows struct {
	mu              sync.Mutex
	statement, inTx int64
	perTx           map[*sql.Tx]int64
	statements      int
}

func watchRows(t *testing.T, g *gorm.DB) *statementRows {
	w := &statementRows{perTx: map[*sql.Tx]int64{}}
	after := func(db *gorm.DB) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.statements++
		w.statement = max(w.statement, db.RowsAffected)
		if tx, ok := db.Statement.ConnPool.(*sql.Tx); ok {
			w.perTx[tx] += db.RowsAffected
			w.inTx = max(w.inTx, w.perTx[tx])
		}
	}
	cb := g.Callback()
	for name, err := range map[string]error{
		"create": cb.Create().After("gorm:create").Register("test:rows_create", after),
		"query":  cb.Query().After("gorm:query").Register("test:rows_query", after),
		"update": cb.Update().After("gorm:update").Register("test:rows_update", after),
		"delete": cb.Delete().After("gorm:delete").Register("test:rows_delete", after),
		"raw":    cb.Raw().After("gorm:raw").Register("test:rows_raw", after),
		"row":    cb.Row().After("gorm:row").Register("test:rows_row", after),
	} {
		if err != nil {
			t.Fatalf("callback %s: %v", name, err)
		}
	}
	return w
}

// TestRetrainInShortSteps: retraining a vendor of 3,000 invoices (600 of
// them open) writes at most a statement's worth of rows
// (database.RowsPerStatement) per statement and per transaction, so that
// on SQLite, where every writer shares one connection, a push never waits
// behind it for long (BenchmarkRetrainWriterWaitSQLite has the figures;
// before, the scores were replaced in one transaction of 1,198 rows here). What the vendor sees
// is unchanged: the same model as when its history is read at once, a
// score for every open invoice, and none left for an invoice paid or
// voided since the last retraining.
func TestRetrainInShortSteps(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		vendorID := seedHistory(t, db, "Northwind", 300, 10)
		s := NewStore(db.Gorm, func() time.Time { return retrainNow })
		defer func(n int) { historyChunk = n }(historyChunk)
		historyChunk = 1_000_000
		whole, err := s.Retrain(ctx, vendorID)
		if err != nil {
			t.Fatal(err)
		}
		// Since then: one open invoice paid, one voided.
		var open []int64
		if err := db.Gorm.Raw(`SELECT id FROM invoices WHERE vendor_id = ? AND status = 'open' ORDER BY id`, vendorID).Scan(&open).Error; err != nil {
			t.Fatal(err)
		}
		if len(open) != 600 {
			t.Fatalf("%d open invoices seeded, want 600", len(open))
		}
		paid, voided := open[0], open[1]
		if err := db.Gorm.Exec(`UPDATE invoices SET status = 'paid', amount_remaining = 0, paid_at = ? WHERE id = ?`, retrainNow, paid).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Gorm.Exec(`UPDATE invoices SET status = 'void' WHERE id = ?`, voided).Error; err != nil {
			t.Fatal(err)
		}

		historyChunk = 100
		w := watchRows(t, db.Gorm)
		chunked, err := s.Retrain(ctx, vendorID)
		if err != nil {
			t.Fatal(err)
		}
		bound := int64(max(historyChunk, database.RowsPerStatementOf(db.Gorm, &scoreRow{})))
		if w.statement > bound || w.inTx > bound {
			t.Errorf("retraining wrote %d rows in one statement, %d in one transaction: want at most %d",
				w.statement, w.inTx, bound)
		}
		// The open invoice voided in between was not labelled yet: the
		// same invoices are learnt from.
		if chunked.Kind != KindLogistic || chunked.Invoices != whole.Invoices {
			t.Errorf("chunked read trained %s on %d invoices, whole read %s on %d", chunked.Kind, chunked.Invoices, whole.Kind, whole.Invoices)
		}
		historyChunk = 1_000_000
		again, err := s.Retrain(ctx, vendorID)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := mustJSON(t, again), mustJSON(t, chunked); a != b {
			t.Errorf("the model differs when the history is read in chunks:\n%s\n%s", b, a)
		}
		var scored []int64
		if err := db.Gorm.Raw(`SELECT invoice_id FROM invoice_risks WHERE vendor_id = ? ORDER BY invoice_id`, vendorID).Scan(&scored).Error; err != nil {
			t.Fatal(err)
		}
		if len(scored) != len(open)-2 || scored[0] != open[2] || scored[len(scored)-1] != open[len(open)-1] {
			t.Errorf("%d scores stored (first %v), want the %d invoices still open", len(scored), scored[:min(3, len(scored))], len(open)-2)
		}
		rs, err := s.Risks(ctx, vendorID, []int64{open[2]})
		if err != nil || rs[open[2]].Probability == nil {
			t.Errorf("risk of an open invoice: %+v %v", rs, err)
		}
	})
}

func mustJSON(t *testing.T, m Model) string {
	t.Helper()
	m.TrainedAt = time.Time{}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
