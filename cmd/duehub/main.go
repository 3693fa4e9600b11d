// Command duehub runs the duehub hub and administers it: serve, migrate,
// vendors and keys. Configuration comes from the environment (DUEHUB_*),
// with flags for the same settings.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `duehub — a multi-vendor bundled payment-reminder hub

Usage:
  duehub serve                      run the API, pages and background work
  duehub migrate                    apply database migrations
  duehub vendors create --name N [--domain D] [--support-email E] [--json]
  duehub vendors approve ID         let digests carry a signed-up vendor's invoices
  duehub keys create --vendor ID [--test] [--label L] [--json]
  duehub keys list --vendor ID [--json]
  duehub keys revoke PREFIX
  duehub digests run [--now RFC3339] [--json]   plan and send due digests once
  duehub demo [--now RFC3339] [--seed N] [--json]  seed a demo network, send its digests
  duehub bench [--scale F] [--seed N] [--json]   measure the hub against PostgreSQL (wipes a *_bench database)
  duehub admins create --email E    give an operator access to the console at /admin
  duehub payers erase --email E | --phone P [--json]   erase a payer across every vendor
  duehub backup --to FILE           copy the SQLite database (VACUUM INTO); PostgreSQL: pg_dump

Every command takes --database-url (DUEHUB_DATABASE_URL); run "duehub CMD --help" for its flags.
`

// command is one CLI entry point: it parses its own flags and runs.
type command func(ctx context.Context, args []string, stdout io.Writer) error

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	commands := map[string]command{
		"serve":           serveCmd,
		"migrate":         migrateCmd,
		"vendors create":  vendorsCreateCmd,
		"keys create":     keysCreateCmd,
		"vendors approve": vendorsApproveCmd, // issue 15
		"keys list":       keysListCmd,
		"keys revoke":     keysRevokeCmd,
		"digests run":     digestsRunCmd,
		"demo":            demoCmd,
		"bench":           benchCmd,
		"admins create":   adminsCreateCmd, // issue 15
		"payers erase":    payersEraseCmd,  // issue 15
		"backup":          backupCmd,       // issue 15
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "--help" || args[0] == "-h" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	name, rest := args[0], args[1:]
	if _, ok := commands[name]; !ok && len(args) > 1 {
		name, rest = args[0]+" "+args[1], args[2:]
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "duehub: unknown command %q\n\n%s", name, usage)
		return 2
	}
	err := cmd(ctx, rest, stdout)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(configError)):
		fmt.Fprintf(stderr, "duehub: %v\n", err)
		return 2
	}
	fmt.Fprintf(stderr, "duehub: %v\n", err)
	return 1
}
