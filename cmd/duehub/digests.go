package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"
)

func digestsRunCmd(ctx context.Context, args []string, stdout io.Writer) error {
	var cfg config
	var nowFlag string
	var asJSON bool
	fs := newFlags("digests run", "digests run [--now RFC3339] [--json]", &cfg, true)
	fs.StringVar(&nowFlag, "now", "", "run the bundler as of this time (RFC 3339), instead of the clock")
	fs.BoolVar(&asJSON, "json", false, `print {"now", "considered", "sent", "skipped": {reason: n}, "channels": {...}}`)
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	clock := time.Now
	if nowFlag != "" {
		t, err := time.Parse(time.RFC3339, nowFlag)
		if err != nil {
			return configError{fmt.Sprintf("--now %q is not an RFC 3339 time like 2026-12-01T09:00:00Z", nowFlag)}
		}
		clock = func() time.Time { return t }
	}
	a, err := openApp(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if nowFlag != "" {
		if err := a.refuseSecondClock(ctx); err != nil {
			return err
		}
	}
	h, err := a.newHub(ctx, clock, nowFlag != "")
	if err != nil {
		return err
	}
	rep, err := h.runner.RunOnce(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(stdout).Encode(map[string]any{
			"now": rep.Now.Format(time.RFC3339), "considered": rep.Considered, "sent": rep.Sent(),
			"skipped": rep.Skipped, "channels": rep.Channels,
		})
	}
	fmt.Fprintf(stdout, "as of %s: %d payers with open invoices decided, %d digests sent\n", rep.Now.Format(time.RFC3339), rep.Considered, rep.Sent())
	chans := make([]string, 0, len(rep.Channels))
	for ch := range rep.Channels {
		chans = append(chans, ch)
	}
	slices.Sort(chans)
	for _, ch := range chans {
		c := rep.Channels[ch]
		fmt.Fprintf(stdout, "  %-5s considered %d, sent %d\n", ch, c.Considered, c.Sent)
		reasons := make([]string, 0, len(c.Skipped))
		for r := range c.Skipped {
			reasons = append(reasons, r)
		}
		slices.Sort(reasons)
		for _, r := range reasons {
			fmt.Fprintf(stdout, "        skipped %-18s %d\n", r, c.Skipped[r])
		}
	}
	return nil
}
