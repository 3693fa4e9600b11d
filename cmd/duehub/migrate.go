package main

import (
	"context"
	"fmt"
	"io"

	"github.com/duehub/duehub/migrations"
)

func migrateCmd(ctx context.Context, args []string, stdout io.Writer) error {
	var cfg config
	fs := newFlags("migrate", "migrate [--database-url URL]", &cfg, false)
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	cfg.Migrate = true
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	current, _, err := migrations.Versions(ctx, a.db.SQL, a.db.Dialect)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema at version %d (%s)\n", current, a.db.Dialect)
	return nil
}
