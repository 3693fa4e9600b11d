package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/duehub/duehub/bench"
)

func benchCmd(ctx context.Context, args []string, stdout io.Writer) error {
	var cfg config
	var opt bench.Options
	var asJSON, quiet bool
	var dbKind, sqlitePath string
	fs := newFlags("bench", "bench [--database postgres|sqlite] [--scale F] [--seed N] [--json] [--i-understand-this-wipes]", &cfg, false)
	fs.StringVar(&dbKind, "database", "postgres", "postgres: the database of DUEHUB_DATABASE_URL (its name must end in _bench); "+
		"sqlite: a fresh SQLite file (--sqlite-path), the embedded default, opened as the hub opens it")
	fs.StringVar(&sqlitePath, "sqlite-path", "", "with --database sqlite, the file the bench creates (an existing one is wiped only "+
		"if its name ends in _bench); default: a temporary file, removed afterwards")
	fs.Uint64Var(&opt.Seed, "seed", 1, "seed of the synthetic network; the same seed and scale make the same network")
	fs.Float64Var(&opt.Scale, "scale", 1, "network size: 1 = 1,000 vendors, 100,000 payers, 1,000,000 open invoices, 20,000 credits; 0.01 for a smoke run")
	fs.Float64Var(&opt.SimScale, "sim-scale", 0, "scale of the 90-day simulation (default scale/2, at most 0.05)")
	fs.IntVar(&opt.SimDays, "sim-days", 90, "days simulated")
	fs.IntVar(&opt.Rate, "rate", 0, "requests per second of the latency attacks (default 500 on PostgreSQL, 200 on SQLite)")
	fs.IntVar(&opt.PassRate, "pass-rate", 50, "requests per second of the steady API GET load during the digest pass")
	fs.DurationVar(&opt.Duration, "duration", 0, "length of each latency attack (default 30s, 3s at --scale 0.01 or less)")
	fs.IntVar(&opt.Clients, "clients", 4, "concurrent API clients pushing batches (and COPY streams)")
	fs.IntVar(&opt.Deliveries, "deliveries", 0, "digests delivered through River (default 5,000 × scale, at least 200)")
	fs.IntVar(&opt.Workers, "workers", 4, "concurrent digest sends in the simulation")
	fs.StringVar(&opt.ProfileDir, "cpuprofile-dir", "", "write one CPU profile per phase (ingest, digest, ceiling, delivery, latency, simulation) into this folder")
	fs.IntVar(&opt.AnalyticsInvoices, "analytics-invoices", 0, "invoices of the largest vendor for the analytics figure, paid history over 3 years added up to it (default: as many paid as it has open)")
	fs.BoolVar(&opt.AnalyticsOnly, "analytics-only", false, "after the ingest, measure only the analytics figure (with --analytics-invoices 100000: the issue's vendor, quickly)")
	fs.BoolVar(&opt.Wipe, "i-understand-this-wipes", false, "wipe the database even though its name does not end in _bench")
	fs.BoolVar(&asJSON, "json", false, `print one JSON object ({"ingest_ratio", "repush_speedup", "digest_ratio", "delivery_ratio", "put_p99_ms", "inbox_p99_ms", "peak_rss_mb", "message_reduction", "coverage", "digest_ceiling_ratio", "delivery_render_post_ratio", "api_during_pass_p99_ms", "message_reduction_4plus", "max_messages_7d", "coverage_before_due", "coverage_overdue", "urgent_messages", ...})`)
	fs.BoolVar(&quiet, "quiet", false, "no progress lines on stderr")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	// The bench's own progress lines say what happens; the hub's info logs
	// (River, the planner) would bury them.
	if !set["log-level"] && os.Getenv("DUEHUB_LOG_LEVEL") == "" {
		cfg.LogLevel = "error"
	}
	if opt.Duration == 0 && opt.Scale <= 0.01 {
		opt.Duration = 3 * time.Second
	}
	if opt.Scale <= 0 || opt.AnalyticsInvoices < 0 || opt.Rate < 0 || opt.PassRate <= 0 || opt.Clients <= 0 || opt.SimDays <= 0 {
		return configError{"--scale, --pass-rate, --clients and --sim-days must be positive, --rate at least 0"}
	}
	switch dbKind {
	case "postgres":
		if err := bench.CheckURL(cfg.DatabaseURL, opt.Wipe); err != nil {
			return configError{err.Error() + "; or pass --database sqlite"}
		}
	case "sqlite":
		if sqlitePath == "" {
			dir, err := os.MkdirTemp("", "duehub-bench-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			sqlitePath = filepath.Join(dir, "duehub_bench.db")
		}
		if err := bench.FreshSQLite(sqlitePath, opt.Wipe); err != nil {
			return configError{err.Error()}
		}
		// The bench's own fresh file, never DUEHUB_DATABASE_URL's, migrated
		// when opened: whatever its name, the bench may empty it.
		cfg.DatabaseURL, cfg.Migrate, opt.Wipe = sqlitePath, true, true
	default:
		return configError{fmt.Sprintf("--database %q is not postgres or sqlite", dbKind)}
	}
	if opt.ProfileDir != "" {
		if err := os.MkdirAll(opt.ProfileDir, 0o755); err != nil {
			return err
		}
	}
	if !quiet {
		opt.Progress = os.Stderr
	}
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	res, err := bench.Run(ctx, bench.Hub{DB: a.db, Vendors: a.vendors, Payers: a.payers, Log: a.log}, opt)
	if err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	return res.WriteTable(stdout)
}
