package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/migrations"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// app is the wired hub: the one place that knows every package.
type app struct {
	cfg     config
	log     *slog.Logger
	db      *database.DB
	payers  *payers.Store
	vendors *vendors.Store
}

func newLogger(level string) *slog.Logger {
	var lv slog.Level
	lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	if fi, err := os.Stderr.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		return slog.New(slog.NewTextHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, opts))
}

// openApp validates cfg, opens the database and brings the schema up to date
// (or, with migrations off, refuses a schema that is behind).
func openApp(ctx context.Context, cfg config) (*app, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	log := newLogger(cfg.LogLevel)
	db, err := database.Open(ctx, cfg.DatabaseURL, log)
	if err != nil {
		return nil, err
	}
	if cfg.Migrate {
		n, err := migrations.Up(ctx, db.SQL, db.Dialect, nil)
		if err != nil {
			db.Close()
			return nil, err
		}
		if n > 0 {
			log.Info("applied migrations", slog.Int("count", n), slog.String("dialect", string(db.Dialect)))
		}
	} else if err := migrations.Current(ctx, db.SQL, db.Dialect); err != nil {
		db.Close()
		return nil, err
	}
	now := time.Now
	p := payers.NewStore(db.Gorm, now)
	return &app{
		cfg:     cfg,
		log:     log,
		db:      db,
		payers:  p,
		vendors: vendors.NewStore(db.Gorm, p, now),
	}, nil
}

func (a *app) Close() { a.db.Close() }
