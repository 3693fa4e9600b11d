package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"

	"github.com/duehub/duehub/admins"
	"github.com/duehub/duehub/audit"
	"github.com/duehub/duehub/console"
	"github.com/duehub/duehub/privacy"
	"github.com/duehub/duehub/vendors"
)

// Issue 15: the operator's commands: accounts for the console, payer
// erasure, the SQLite backup. What they change is audited as done by the
// CLI, labelled with the system user running it.

// cliActor says the CLI acts, as the operating-system user running it.
func cliActor(ctx context.Context) context.Context {
	label := os.Getenv("USER")
	if u, err := user.Current(); err == nil {
		label = u.Username
	}
	return audit.WithActor(ctx, audit.Actor{Kind: audit.ByCLI, Label: label})
}

func adminsCreateCmd(ctx context.Context, args []string, stdout io.Writer) error {
	var cfg config
	var email string
	fs := newFlags("admins create", "admins create --email E", &cfg, false)
	fs.StringVar(&email, "email", "", "the operator's email address; sign-in links are sent there (required)")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if email == "" {
		return configError{"--email is required"}
	}
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	ad, err := admins.NewStore(a.db.Gorm, nil).Create(cliActor(ctx), email)
	var ve *vendors.ValidationError
	if errors.As(err, &ve) {
		return configError{"--email " + ve.Fields[0].Message}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "operator %s can sign in at <base URL>/admin/signin (account %d)\n", ad.Email, ad.ID)
	return nil
}

func payersEraseCmd(ctx context.Context, args []string, stdout io.Writer) error {
	var cfg config
	var email, phone string
	var asJSON bool
	fs := newFlags("payers erase", "payers erase --email E | --phone +15551230000 [--json]", &cfg, false)
	fs.StringVar(&email, "email", "", "erase the payer with this email address")
	fs.StringVar(&phone, "phone", "", "erase the payer with this phone number (E.164)")
	fs.BoolVar(&asJSON, "json", false, `print {"payer_ids": [...], "values": N, "customers": N, "messages": N, "outbox": N, "swept": N}`)
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if (email == "") == (phone == "") {
		return configError{"give exactly one of --email or --phone"}
	}
	flagName, raw := "--email", email
	if phone != "" {
		flagName, raw = "--phone", phone
	}
	kind, value, err := console.Contact(flagName, raw)
	if err != nil {
		return configError{flagName + " " + err.(*vendors.ValidationError).Fields[0].Message}
	}
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	rep, err := privacy.NewEraser(a.db.Gorm, nil).Erase(cliActor(ctx), kind, value)
	if errors.Is(err, privacy.ErrNoPayer) {
		return fmt.Errorf("no payer has %s (erased already?)", value)
	}
	if err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(stdout).Encode(map[string]any{"payer_ids": rep.PayerIDs, "values": rep.Values,
			"customers": rep.Customers, "messages": rep.Messages, "outbox": rep.Outbox, "swept": rep.Swept})
	}
	fmt.Fprintf(stdout, "erased payer(s) %v: %d contacts, %d customer records pseudonymised, %d messages, %d outbox messages, %d other rows\n",
		rep.PayerIDs, rep.Values, rep.Customers, rep.Messages, rep.Outbox, rep.Swept)
	return nil
}

func backupCmd(ctx context.Context, args []string, stdout io.Writer) error {
	var cfg config
	var to string
	fs := newFlags("backup", "backup --to FILE", &cfg, false)
	fs.StringVar(&to, "to", "", "the new backup file (it must not exist) (required)")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if to == "" {
		return configError{"--to FILE is required"}
	}
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if a.db.Postgres() {
		return configError{"duehub backup copies the SQLite database; on PostgreSQL use pg_dump (see the README's Backups section)"}
	}
	if err := privacy.BackupSQLite(ctx, a.db.SQL, to); err != nil {
		if errors.Is(err, privacy.ErrBackupExists) {
			return configError{to + " exists already: a backup never overwrites a file"}
		}
		return err
	}
	fmt.Fprintf(stdout, "backed up to %s\n", to)
	return nil
}
