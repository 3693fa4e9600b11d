package bench

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/jobs"
	"github.com/duehub/duehub/migrations"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// testHub opens a fresh schema of the test database as cmd/duehub opens a
// hub: duehub's and River's migrations applied, the stores over it.
func testHub(t *testing.T) Hub {
	t.Helper()
	ctx := context.Background()
	url := dbtest.PostgresURL(t)
	db := openHub(t, url)
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := jobs.Migrate(ctx, riverpgxv5.New(pool), false); err != nil {
		t.Fatal(err)
	}
	return hubOver(db)
}

// sqliteHub is the same on a fresh SQLite file named as `duehub bench
// --database sqlite` names it, opened as the hub opens its embedded default.
func sqliteHub(t *testing.T) Hub {
	t.Helper()
	path := filepath.Join(t.TempDir(), "duehub_bench.db")
	if err := FreshSQLite(path, false); err != nil {
		t.Fatal(err)
	}
	db := openHub(t, path)
	if err := jobs.Migrate(context.Background(), riversqlite.New(db.SQL), false); err != nil {
		t.Fatal(err)
	}
	return hubOver(db)
}

func openHub(t *testing.T, url string) *database.DB {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := migrations.Up(ctx, db.SQL, db.Dialect, nil); err != nil {
		t.Fatal(err)
	}
	return db
}

func hubOver(db *database.DB) Hub {
	p := payers.NewStore(db.Gorm, time.Now)
	return Hub{DB: db, Payers: p, Vendors: vendors.NewStore(db.Gorm, p, time.Now),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// The whole bench at a tiny scale, on PostgreSQL and on SQLite: every
// figure is measured and the JSON a CI script reads has every key with a
// sane value.
func TestBenchAtTinyScale(t *testing.T) {
	for name, open := range map[string]func(*testing.T) Hub{"postgres": testHub, "sqlite": sqliteHub} {
		t.Run(name, func(t *testing.T) { checkTinyRun(t, open(t), name) })
	}
}

func checkTinyRun(t *testing.T, h Hub, database string) {
	res, err := Run(context.Background(), h, Options{Seed: 3, Scale: 0.002, Rate: 40, Duration: time.Second,
		SimDays: 45, Deliveries: 20, PassRate: 20, anySchema: true})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"ingest_ratio", "repush_speedup", "digest_ratio", "delivery_ratio", "put_p99_ms",
		"inbox_p99_ms", "peak_rss_mb", "message_reduction", "coverage",
		"ingest_api_per_s", "ingest_copy_per_s", "digest_build_s", "digest_aggregate_s", "delivery_river_per_s",
		"delivery_bare_per_s", "status_quo_messages", "duehub_messages",
		"digest_ceiling_ratio", "digest_ceiling_per_s", "delivery_render_post_ratio", "delivery_render_post_per_s",
		"api_during_pass_p99_ms", "api_during_pass_requests", "message_reduction_4plus", "max_messages_7d"} {
		v, ok := got[key].(float64)
		switch {
		case !ok:
			t.Errorf("%s missing or not a number: %v", key, got[key])
		case !(v > 0):
			t.Errorf("%s = %v, want > 0", key, v)
		}
	}
	if res.Database != database || res.DatabaseVersion == "" {
		t.Errorf("database %q (%q), want %s", res.Database, res.DatabaseVersion, database)
	}
	if _, ok := res.Goals["digest_ceiling_ratio"]; !ok {
		t.Errorf("no goal for the digest pass against the rendering ceiling: %v", res.Goals)
	}
	if _, ok := res.Goals["api_during_pass_p99_ms"]; ok != (database == "sqlite") {
		t.Errorf("goal api_during_pass_p99_ms present %v on %s", ok, database)
	}
	if database == "sqlite" && res.NotApplicable["ingest_copy"] == "" {
		t.Errorf("the SQLite run does not say it has no COPY: %v", res.NotApplicable)
	}
	// The ceiling renders the digests the pass sent, no more, no fewer.
	if res.CeilingN != res.DigestsBuilt || res.DigestsEmail+res.DigestsSMS != res.DigestsBuilt {
		t.Errorf("ceiling of %d digests, the pass sent %d (%d email, %d SMS)", res.CeilingN, res.DigestsBuilt,
			res.DigestsEmail, res.DigestsSMS)
	}
	// During the pass the API answers: 200, or a clean 503 from load
	// shedding when this test runs under -race beside every other package
	// (3 of 57 in one CI run on SQLite, 44 of 144 in another); never an
	// error, never a timeout. How many are shed and how fast the rest are
	// answered is the bench's figure, not this test's: a share here only
	// measured how loaded the CI machine was. TestAPIAnswersWhileServePlansOnSQLite
	// (cmd/duehub) guards against the SQLite stall.
	for code := range res.BusyCodes {
		if code != "200" && code != "503" {
			t.Errorf("API GETs during the pass answered %s: codes %v", code, res.BusyCodes)
		}
	}
	if res.BusyCodes["200"] == 0 {
		t.Errorf("API GETs during the pass: success %v, codes %v", res.BusySuccess, res.BusyCodes)
	}
	if res.PutCodes["201"] == 0 || res.InboxCodes["200"] == 0 {
		t.Errorf("answers by status: PUT %v, inbox %v", res.PutCodes, res.InboxCodes)
	}
	if c := res.Coverage; c < 0 || c > 1 {
		t.Errorf("coverage %v is not a share", c)
	}
	if _, ok := got["urgent_messages"].(float64); !ok {
		t.Errorf("urgent_messages missing: %v", got["urgent_messages"])
	}
	if res.MaxMessages7d > 2 {
		t.Errorf("a payer got %d messages in 7 days, more than 2", res.MaxMessages7d)
	}
	if res.Invoices < 2000 || res.InboxInvoices != heavyVendors*heavyInvoices || res.InboxVendors != heavyVendors {
		t.Errorf("network: %d invoices, inbox of %d invoices from %d vendors", res.Invoices, res.InboxInvoices, res.InboxVendors)
	}
	if res.DigestsBuilt < res.Payers {
		t.Errorf("%d digests built for %d payers, every payer is due", res.DigestsBuilt, res.Payers)
	}
	var table strings.Builder
	if err := res.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, row := range []string{"ingest", "re-push", "digest pass", "render+sign", "API GET", "delivery", "render+POST",
		"PUT invoice", "portal inbox", "peak RSS", "coverage"} {
		if !strings.Contains(table.String(), row) {
			t.Errorf("the table has no %q row:\n%s", row, table.String())
		}
	}
}

// A database whose name does not say it is a bench database is refused
// before anything is written.
func TestBenchRefusesOtherDatabases(t *testing.T) {
	for url, ok := range map[string]bool{
		"postgres://u@h:5432/duehub_bench?sslmode=disable": true,
		"postgres://u@h:5432/duehub?sslmode=disable":       false,
		"postgres://u@h/bench_prod":                        false,
		"duehub.db":                                        false,
	} {
		if err := CheckURL(url, false); (err == nil) != ok {
			t.Errorf("CheckURL(%s) = %v", url, err)
		}
	}
	if err := CheckURL("postgres://u@h:5432/duehub", true); err != nil {
		t.Errorf("with --i-understand-this-wipes: %v", err)
	}
	// An existing SQLite file is removed only when its name says it is a
	// bench's, or when the operator said they understand.
	dir := t.TempDir()
	for name, ok := range map[string]bool{"duehub.db": false, "prod_bench.sqlite": true, "new.db": true} {
		path := filepath.Join(dir, name)
		if name != "new.db" {
			if err := os.WriteFile(path, []byte("keep me"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		err := FreshSQLite(path, false)
		_, statErr := os.Stat(path)
		if (err == nil) != ok || (err != nil) != (statErr == nil) {
			t.Errorf("FreshSQLite(%s) = %v, file left: %v", name, err, statErr == nil)
		}
	}
	if err := FreshSQLite(filepath.Join(dir, "duehub.db"), true); err != nil {
		t.Errorf("with --i-understand-this-wipes: %v", err)
	}
	h := testHub(t)
	ctx := context.Background()
	if _, err := h.Vendors.CreateVendor(ctx, vendors.NewVendor{Name: "Keep me"}); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(ctx, h, Options{Scale: 0.002}); err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Fatalf("Run on the test database: %v, want a refusal", err)
	}
	var n int64
	if err := h.DB.Gorm.Model(&vendors.Vendor{}).Count(&n).Error; err != nil || n != 1 {
		t.Errorf("%d vendors left (%v): the refusal wiped the database", n, err)
	}
}
