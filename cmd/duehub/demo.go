package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/links"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// demoBatch is the size of the demo's pushes: several batches per vendor,
// through the same store calls as POST /v1/invoices/batch.
const demoBatch = 100

// demoLookahead is how far ahead of the clock the default demo time may be.
const demoLookahead = 5 * time.Hour

type demoOutput struct {
	Now         string         `json:"now"`
	Vendors     int            `json:"vendors"`
	Payers      int            `json:"payers"`
	Invoices    int            `json:"invoices"`
	Credits     int            `json:"credits"`
	History     int            `json:"history_invoices"` // paid invoices of the last year, for analytics
	Pushed      map[string]int `json:"pushed"`
	DigestsSent int            `json:"digests_sent"`
	VendorID    string         `json:"vendor_id"`
	APIKey      string         `json:"api_key"`
	PortalURL   string         `json:"portal_url"`
	OutboxURL   string         `json:"outbox_url"`
}

func demoCmd(ctx context.Context, args []string, stdout io.Writer) error {
	var cfg config
	var nowFlag string
	var seed uint64
	var asJSON bool
	fs := newFlags("demo", "demo [--now RFC3339] [--seed N] [--json]", &cfg, true)
	fs.StringVar(&nowFlag, "now", "", "run as of this time (RFC 3339); default: the latest Tuesday 14:00 UTC at most 5 h from now, when the demo's digests are due")
	fs.Uint64Var(&seed, "seed", 1, "seed of the demo network; the same seed and day push the same data")
	fs.BoolVar(&asJSON, "json", false, `print {"vendors", "payers", "invoices", "credits", "digests_sent", "vendor_id", "api_key", "portal_url", "outbox_url", ...}`)
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	// The demo's addresses are fictitious: sending them through a real
	// provider would only collect bounces against the sender's reputation.
	if cfg.Channels.Email != "outbox" {
		return badConfig("DUEHUB_EMAIL", "must be outbox for the demo, not %q", cfg.Channels.Email)
	}
	if sms := cfg.Channels.smsChannel(); sms != "outbox" {
		return badConfig("DUEHUB_SMS", "must be outbox for the demo, not %q", sms)
	}
	now := demoNow(time.Now())
	if nowFlag != "" {
		t, err := time.Parse(time.RFC3339, nowFlag)
		if err != nil {
			return configError{fmt.Sprintf("--now %q is not an RFC 3339 time like 2026-11-23T14:00:00Z", nowFlag)}
		}
		now = t.UTC()
	}
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	cfg = a.cfg

	net := newDemoNetwork(seed, civil.Of(now))
	vendorIDs, pushed, err := a.seedDemo(ctx, net)
	if err != nil {
		return err
	}
	history := demoHistory(seed, civil.Of(now), net)
	if err := a.seedDemoHistory(ctx, seed, now, vendorIDs, history); err != nil {
		return err
	}
	h, err := a.newHub(ctx, func() time.Time { return now }, true)
	if err != nil {
		return err
	}
	rep, err := h.runner.RunOnce(ctx)
	if err != nil {
		return err
	}
	key, _, err := a.vendors.CreateKey(ctx, vendorIDs[0])
	if err != nil {
		return err
	}
	portal, err := a.demoInboxLink(ctx, h.links)
	if err != nil {
		return err
	}
	out := demoOutput{
		Now: now.Format(time.RFC3339), Vendors: len(demoVendors), Payers: len(net.payers),
		Pushed: pushed, DigestsSent: rep.Sent(), VendorID: strconv.FormatInt(vendorIDs[0], 10), APIKey: key,
		PortalURL: portal, OutboxURL: cfg.BaseURL + "/dev/outbox", History: demoHistoryCount(history),
	}
	for i := range demoVendors {
		out.Invoices += len(net.invoices[i])
		out.Credits += len(net.credits[i])
	}
	if asJSON {
		return json.NewEncoder(stdout).Encode(out)
	}
	printDemo(stdout, out, rep, seed, cfg)
	return nil
}

// demoNow is the time the demo runs as of when --now is not given: the latest
// Tuesday 14:00 UTC at most demoLookahead after now. The demo's payers are
// reached by email and have not used the portal yet, so their rhythm is the
// default, Tuesdays at 09:00 UTC, and a window more than 24 h old is expired
// rather than sent: on any other day, as of the real time, the demo would
// send nothing. At 14:00 UTC on a Tuesday that day's window has opened.
func demoNow(now time.Time) time.Time {
	t := now.UTC().Add(demoLookahead)
	d := time.Date(t.Year(), t.Month(), t.Day(), 14, 0, 0, 0, time.UTC)
	for d.After(t) || d.Weekday() != bundler.RhythmWeekday {
		d = d.AddDate(0, 0, -1)
	}
	return d
}

// seedDemo finds or creates the demo vendors, sets their policies and pushes
// their invoices and credits. It returns the vendor IDs in demoVendors order
// and how many items were created, updated or left unchanged.
func (a *app) seedDemo(ctx context.Context, net demoNetwork) ([]int64, map[string]int, error) {
	pushed := map[string]int{vendors.ResultCreated: 0, vendors.ResultUpdated: 0, vendors.ResultUnchanged: 0}
	ids := make([]int64, len(demoVendors))
	for i, dv := range demoVendors {
		v, err := a.demoVendor(ctx, dv)
		if err != nil {
			return nil, nil, err
		}
		ids[i] = v.ID
		for batch := range slices.Chunk(net.invoices[i], demoBatch) {
			results, err := a.vendors.PushInvoices(ctx, v.ID, batch)
			if err := tally(pushed, v.Name, results, err); err != nil {
				return nil, nil, err
			}
		}
		if len(net.credits[i]) > 0 {
			results, err := a.vendors.PushCredits(ctx, v.ID, net.credits[i])
			if err := tally(pushed, v.Name, results, err); err != nil {
				return nil, nil, err
			}
		}
	}
	return ids, pushed, nil
}

// demoVendor returns the demo vendor named dv.Name, creating it the first
// time, with dv's reminder policy. Looking up by name is what makes a second
// demo run reuse the vendors (and so find its invoices unchanged).
func (a *app) demoVendor(ctx context.Context, dv demoVendor) (vendors.Vendor, error) {
	var found []vendors.Vendor
	if err := a.db.Gorm.WithContext(ctx).Where("name = ?", dv.Name).Order("id").Limit(1).Find(&found).Error; err != nil {
		return vendors.Vendor{}, fmt.Errorf("demo: find vendor %s: %w", dv.Name, err)
	}
	var v vendors.Vendor
	if len(found) > 0 {
		v = found[0]
	} else {
		created, err := a.vendors.CreateVendor(ctx, dv.NewVendor)
		if err != nil {
			return vendors.Vendor{}, fmt.Errorf("demo: create vendor %s: %w", dv.Name, err)
		}
		v = created
	}
	p := bundler.Policy{Offsets: dv.offsets, RepeatDays: dv.repeatDays}
	if err := p.Validate(); err != nil {
		return vendors.Vendor{}, fmt.Errorf("demo: policy of %s: %w", dv.Name, err)
	}
	if err := a.vendors.SetReminderPolicy(ctx, v.ID, p.Offsets, p.RepeatDays); err != nil {
		return vendors.Vendor{}, fmt.Errorf("demo: policy of %s: %w", dv.Name, err)
	}
	return v, nil
}

// tally counts push results; an invalid item is a bug in the demo data.
func tally(counts map[string]int, vendor string, results []vendors.PushResult, err error) error {
	if err != nil {
		return fmt.Errorf("demo: push for %s: %w", vendor, err)
	}
	for _, r := range results {
		if r.Result == vendors.ResultError {
			return fmt.Errorf("demo: %s item %s refused: %v", vendor, r.ExternalID, r.Errors)
		}
		counts[r.Result]++
	}
	return nil
}

// demoInboxLink signs an inbox link for the shared payer, naming its latest
// email digest when it has one.
func (a *app) demoInboxLink(ctx context.Context, signer *links.Signer) (string, error) {
	db := a.db.Gorm.WithContext(ctx)
	var payerIDs []int64
	key := payers.KeyOf(vendors.PayerContact{Email: demoSharedEmail})
	if err := db.Model(&payers.Payer{}).Where("key = ?", key).Pluck("id", &payerIDs).Error; err != nil {
		return "", fmt.Errorf("demo: find %s: %w", demoSharedEmail, err)
	}
	if len(payerIDs) == 0 {
		return "", fmt.Errorf("demo: payer %s was not created", demoSharedEmail)
	}
	var digestIDs []int64
	err := db.Model(&bundler.Entry{}).Where("payer_id = ? AND channel = ? AND status = ?", payerIDs[0], "email", bundler.StatusSent).
		Order("id DESC").Limit(1).Pluck("id", &digestIDs).Error
	if err != nil {
		return "", fmt.Errorf("demo: latest digest of %s: %w", demoSharedEmail, err)
	}
	link := links.Link{PayerID: payerIDs[0], Action: links.ActionInbox}
	if len(digestIDs) > 0 {
		link.DigestID = digestIDs[0]
	}
	return signer.URL(link)
}

func printDemo(w io.Writer, out demoOutput, rep bundler.Report, seed uint64, cfg config) {
	now, _ := time.Parse(time.RFC3339, out.Now)
	fmt.Fprintf(w, "duehub demo as of %s (seed %d)\n\n", now.Format("Mon 2006-01-02 15:04 MST"), seed)
	fmt.Fprintf(w, "seeded %d vendors, %d payers, %d invoices, %d credit notes (%d created, %d updated, %d unchanged)\n",
		out.Vendors, out.Payers, out.Invoices, out.Credits,
		out.Pushed[vendors.ResultCreated], out.Pushed[vendors.ResultUpdated], out.Pushed[vendors.ResultUnchanged])
	var chans []string
	for _, ch := range slices.Sorted(maps.Keys(rep.Channels)) {
		if n := rep.Channels[ch].Sent; n > 0 {
			chans = append(chans, fmt.Sprintf("%d %s", n, ch))
		}
	}
	sent := fmt.Sprintf("%d digests sent", out.DigestsSent)
	if len(chans) > 0 {
		sent += " (" + strings.Join(chans, ", ") + ")"
	}
	fmt.Fprintf(w, "bundler: %d payers owe something, %s\n", rep.Considered, sent)
	if out.DigestsSent == 0 {
		fmt.Fprintf(w, "  (nothing new is due as of this time: the digests of this slot went out in an earlier run)\n")
	}
	fmt.Fprintf(w, "\nAPI key of %s, vendor %s (shown once, keep it secret):\n  %s\n", demoVendors[0].Name, out.VendorID, out.APIKey)
	fmt.Fprintf(w, "\ninbox of %s, who buys from %d of the %d vendors:\n  %s\n", demoSharedEmail, demoSharedVendor, len(demoVendors), out.PortalURL)
	fmt.Fprintf(w, "\ndigests as delivered (dev outbox):\n  %s\n", out.OutboxURL)
	fmt.Fprintf(w, "\n%s AR analytics (a year of history): sign in at %s/vendor/signin as %s, then open /vendor/analytics\n",
		vendors.Possessive(demoVendors[0].Name), cfg.BaseURL, demoAnalyticsMember)
	serve := "duehub serve --base-url " + cfg.BaseURL
	if cfg.BaseURL == "http://"+cfg.Addr {
		serve = "duehub serve --addr " + cfg.Addr
	}
	fmt.Fprintf(w, "\nOpen them with `%s` on this database: links are signed for %s.\n", serve, cfg.BaseURL)
}
