package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/duehub/duehub/analytics"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/jobs"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/risk"
)

// startJobs starts River on the hub's database: pgx on PostgreSQL, the
// database/sql pool on SQLite. The returned func stops it gracefully.
func (a *app) startJobs(ctx context.Context, h *hub) (func(), error) {
	team := jobs.TeamMailConfig{Vendors: a.vendors, Payers: a.payers, Threads: a.threads, Mailer: h.senders[notify.Email],
		From: a.cfg.Channels.EmailFrom, BaseURL: a.cfg.BaseURL, Now: time.Now, Log: a.log}
	if h.replies.Enabled() {
		team.ReplyTo = h.replies.TeamAddress
	}
	cfg := jobs.Config{Runner: h.runner, Log: a.log, Webhooks: h.webhooks, PlanEvery: a.cfg.PlanEvery,
		Team: jobs.NewTeamMail(team), Risk: risk.NewStore(a.db.Gorm, time.Now),
		Retention: &jobs.Retention{DB: a.db.Gorm, Days: a.cfg.RetentionDays}} // issue 15
	// Issue 12: the weekly summary to vendor admins.
	cfg.Weekly = jobs.NewWeeklySummary(jobs.WeeklySummaryConfig{Vendors: a.vendors, Threads: a.threads,
		Analytics: analytics.NewStore(a.db.Gorm, time.Now), Mailer: h.senders[notify.Email],
		From: a.cfg.Channels.EmailFrom, BaseURL: a.cfg.BaseURL, Now: time.Now, Log: a.log})
	// Issue 12: the network's benchmarks, computed nightly and on start,
	// then the vendors' monthly rollups, so that no page computes an ended
	// month.
	network := analytics.NewStore(a.db.Gorm, time.Now)
	cfg.Network = func(ctx context.Context, maxAge time.Duration) (int, error) {
		passes, err := network.RefreshNetwork(ctx, maxAge)
		if err != nil {
			return len(passes), err
		}
		months, err := network.RollUp(ctx)
		if months > 0 {
			a.log.Info("analytics months rolled up", slog.Int("months", months))
		}
		return len(passes), err
	}
	cfg.Checkout = h.checkout // issue 17
	var client jobs.Client
	var closePool func()
	if a.db.Postgres() {
		pool, err := pgxpool.New(ctx, a.db.URL)
		if err != nil {
			return nil, fmt.Errorf("jobs: connect: %w", err)
		}
		closePool = pool.Close
		client, err = jobs.Start(ctx, riverpgxv5.New(pool), cfg)
		if err != nil {
			pool.Close()
			return nil, err
		}
	} else {
		var err error
		client, err = jobs.Start(ctx, riversqlite.New(a.db.SQL), cfg)
		if err != nil {
			return nil, err
		}
	}
	return func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := client.Stop(stopCtx); err != nil {
			a.log.Warn("stopping jobs", "err", err)
		}
		if closePool != nil {
			closePool()
		}
	}, nil
}

// migrateRiver applies (or, with checkOnly, checks) River's own migrations.
func migrateRiver(ctx context.Context, db *database.DB, checkOnly bool) error {
	if !db.Postgres() {
		return jobs.Migrate(ctx, riversqlite.New(db.SQL), checkOnly)
	}
	pool, err := pgxpool.New(ctx, db.URL)
	if err != nil {
		return fmt.Errorf("jobs: connect: %w", err)
	}
	defer pool.Close()
	return jobs.Migrate(ctx, riverpgxv5.New(pool), checkOnly)
}
