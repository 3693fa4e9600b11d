package handlers

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// axe-core, the accessibility checker, comes from npm: .ci/run installs it
// and points DUEHUB_AXE at its axe.min.js. Without it the check fails in CI
// and is skipped loudly elsewhere.
var axeScript = sync.OnceValues(func() (string, error) {
	path := os.Getenv("DUEHUB_AXE")
	if path == "" {
		return "", nil
	}
	b, err := os.ReadFile(path)
	return string(b), err
})

type axeViolation struct {
	ID, Impact, Help string
	Nodes            []string
}

// checkAxe runs axe-core over the page open in ctx and fails the test for
// every violation, naming the page.
func checkAxe(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	src, err := axeScript()
	if err != nil {
		t.Fatalf("read axe-core: %v", err)
	}
	if src == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("DUEHUB_AXE is not set: CI installs axe-core and sets it (.ci/run)")
		}
		t.Logf("SKIPPING the axe-core check of %s: set DUEHUB_AXE to axe-core's axe.min.js (npm install axe-core)", page)
		return
	}
	if loaded, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.axe !== undefined`)); !loaded {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](src+"\n;true")); err != nil {
			t.Fatalf("inject axe-core into %s: %v", page, err)
		}
	}
	res, err := chromedp.Run(ctx, chromedp.Evaluate[struct {
		Passes     int
		Violations []axeViolation
	}](`axe.run(document).then(r => ({passes: r.passes.length, violations: r.violations.map(v => ({
		id: v.id, impact: v.impact || "", help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}))}))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run axe-core on %s: %v", page, err)
	}
	if res.Passes == 0 {
		t.Errorf("axe-core checked nothing on %s", page)
	}
	for _, v := range res.Violations {
		t.Errorf("axe-core on %s: %s (%s): %s at %s", page, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, ", "))
	}
}
