package handlers

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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
	shootAxedPage(t, ctx, page)
}

// shootAxedPage keeps a full-page screenshot of every page axe-core checks,
// at 1280 px and, when the test is looking at it on a phone, at its phone
// width too, in DUEHUB_ARTIFACTS (CI keeps them): the README's tour and a
// reviewer see every page as it is today (issue 13). The page is not
// loaded again: the viewport is widened and put back, so the test goes on
// where it was. Without DUEHUB_ARTIFACTS nothing is taken, and a local run
// is not slowed.
func shootAxedPage(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	dir := os.Getenv("DUEHUB_ARTIFACTS")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	size, err := chromedp.Run(ctx, chromedp.Evaluate[[2]int64](`[window.innerWidth, window.innerHeight]`))
	if err != nil {
		t.Fatalf("viewport of %s: %v", page, err)
	}
	name := "axe-" + shotName(t.Name()+"-"+page)
	shoot := func(width int64) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot of %s at %d px: %v", page, width, err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, width)), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if size[0] == 1280 {
		shoot(1280)
		return
	}
	if size[0] <= 414 {
		shoot(size[0])
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("widen %s: %v", page, err)
	}
	shoot(1280)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(size[0], size[1])); err != nil {
		t.Fatalf("put %s back to %d px: %v", page, size[0], err)
	}
}

// shotName turns a test and page name into a file name: "TestX/sqlite-the
// inbox, at 375 px" is "testx-sqlite-the-inbox-at-375-px".
func shotName(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
