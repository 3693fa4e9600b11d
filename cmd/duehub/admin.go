package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/duehub/duehub/vendors"
)

func vendorsCreateCmd(ctx context.Context, args []string, stdout io.Writer) error {
	var cfg config
	var in vendors.NewVendor
	var asJSON bool
	fs := newFlags("vendors create", "vendors create --name NAME [--domain D] [--support-email E] [--timezone TZ] [--json]", &cfg, false)
	fs.StringVar(&in.Name, "name", "", "vendor name shown to payers (required)")
	fs.StringVar(&in.Domain, "domain", "", "verified display domain shown in digests")
	fs.StringVar(&in.SupportEmail, "support-email", "", "where payers' questions are sent")
	fs.StringVar(&in.Timezone, "timezone", "UTC", "IANA time zone of the vendor")
	fs.BoolVar(&asJSON, "json", false, `print {"vendor_id": "...", "api_key": "..."}`)
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	v, err := a.vendors.CreateVendor(ctx, in)
	if err != nil {
		return err
	}
	key, _, err := a.vendors.CreateKey(cliActor(ctx), v.ID) // issue 15: audited as the CLI
	if err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(stdout).Encode(map[string]string{"vendor_id": strconv.FormatInt(v.ID, 10), "api_key": key})
	}
	fmt.Fprintf(stdout, "vendor %d created: %s\nAPI key (shown once, keep it secret):\n%s\n", v.ID, v.Name, key)
	return nil
}

func vendorFlag(args []string, stdout io.Writer, name, synopsis string, extra func(*flag.FlagSet)) (config, int64, error) {
	var cfg config
	var id int64
	fs := newFlags(name, synopsis, &cfg, false)
	fs.Int64Var(&id, "vendor", 0, "vendor ID (required)")
	if extra != nil {
		extra(fs)
	}
	if err := parseFlags(fs, args, stdout); err != nil {
		return cfg, 0, err
	}
	if id <= 0 {
		return cfg, 0, configError{"--vendor ID is required"}
	}
	return cfg, id, nil
}

func keysCreateCmd(ctx context.Context, args []string, stdout io.Writer) error {
	var asJSON bool
	var opts vendors.KeyOptions
	cfg, id, err := vendorFlag(args, stdout, "keys create", "keys create --vendor ID [--test] [--label L] [--json]", func(f *flag.FlagSet) {
		f.BoolVar(&asJSON, "json", false, `print {"vendor_id": "...", "api_key": "...", "prefix": "..."}`)
		f.BoolVar(&opts.Test, "test", false, "a dh_test_ key of the vendor's test-mode sandbox: its invoices never reach payers")
		f.StringVar(&opts.Label, "label", "", "what the key is for, shown in the web inbox")
	})
	if err != nil {
		return err
	}
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	plain, k, err := a.vendors.CreateKeyWith(cliActor(ctx), id, opts) // issue 15: audited as the CLI
	if err != nil {
		return fmt.Errorf("vendor %d: %w", id, err)
	}
	if asJSON {
		return json.NewEncoder(stdout).Encode(map[string]string{"vendor_id": strconv.FormatInt(id, 10), "api_key": plain, "prefix": k.Prefix})
	}
	fmt.Fprintf(stdout, "API key for vendor %d (shown once, keep it secret):\n%s\n", id, plain)
	return nil
}

type keyJSON struct {
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	// Issue 15: test-mode keys are listed with their vendor's.
	Mode      string     `json:"mode"`
	Label     string     `json:"label"`
	ExpiresAt *time.Time `json:"expires_at"`
}

func keysListCmd(ctx context.Context, args []string, stdout io.Writer) error {
	var asJSON bool
	cfg, id, err := vendorFlag(args, stdout, "keys list", "keys list --vendor ID [--json]", func(f *flag.FlagSet) {
		f.BoolVar(&asJSON, "json", false, "print a JSON array")
	})
	if err != nil {
		return err
	}
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	keys, err := a.vendors.VendorKeys(ctx, id)
	if err != nil {
		return err
	}
	out := make([]keyJSON, len(keys))
	for i, k := range keys {
		out[i] = keyJSON{k.Prefix, k.CreatedAt, k.LastUsedAt, k.RevokedAt, vendors.KeyMode(k.Prefix), k.Label, k.ExpiresAt}
	}
	if asJSON {
		return json.NewEncoder(stdout).Encode(out)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PREFIX\tCREATED\tLAST USED\tREVOKED")
	for _, k := range out {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k.Prefix, k.CreatedAt.Format(time.RFC3339), stamp(k.LastUsedAt), stamp(k.RevokedAt))
	}
	return tw.Flush()
}

func stamp(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func keysRevokeCmd(ctx context.Context, args []string, stdout io.Writer) error {
	var cfg config
	fs := newFlags("keys revoke", "keys revoke PREFIX", &cfg, false)
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return configError{"keys revoke takes one key prefix, like dh_live_AbC123xy (see duehub keys list)"}
	}
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	k, err := a.vendors.RevokeKey(cliActor(ctx), fs.Arg(0)) // issue 15: audited as the CLI
	if err != nil {
		return fmt.Errorf("key %s: %w", fs.Arg(0), err)
	}
	fmt.Fprintf(stdout, "revoked %s (vendor %d)\n", k.Prefix, k.VendorID)
	return nil
}

// vendorsApproveCmd lets digests carry a vendor that signed up under the
// approval policy (issue 15).
func vendorsApproveCmd(ctx context.Context, args []string, stdout io.Writer) error {
	var cfg config
	fs := newFlags("vendors approve", "vendors approve ID", &cfg, false)
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if fs.NArg() != 1 || err != nil || id <= 0 {
		return configError{"vendors approve takes one vendor ID"}
	}
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	v, err := a.vendors.ApproveVendor(cliActor(ctx), id) // audited as the CLI
	if err != nil {
		return fmt.Errorf("vendor %d: %w", id, err)
	}
	fmt.Fprintf(stdout, "vendor %d (%s) is %s: digests carry its invoices\n", v.ID, v.Name, v.Status)
	return nil
}
