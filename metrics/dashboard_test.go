package metrics

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestDashboardUsesRealSeries: every duehub_ series the Grafana dashboard
// queries is one the hub exposes (this collector's, or the HTTP layer's).
func TestDashboardUsesRealSeries(t *testing.T) {
	raw, err := os.ReadFile("../docs/grafana-duehub.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{"duehub_http_requests_total": true}
	ch := make(chan *prometheus.Desc, 32)
	(&Collector{}).Describe(ch)
	close(ch)
	name := regexp.MustCompile(`fqName: "([^"]+)"`)
	for d := range ch {
		known[name.FindStringSubmatch(d.String())[1]] = true
	}
	used := map[string]bool{}
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			for _, s := range regexp.MustCompile(`duehub_[a-z_]+`).FindAllString(tg.Expr, -1) {
				used[s] = true
				if !known[s] {
					t.Errorf("panel %q queries %s, which the hub does not expose", p.Title, s)
				}
			}
		}
	}
	for s := range known {
		if !used[s] && !strings.HasPrefix(s, "duehub_http") {
			t.Errorf("the dashboard does not show %s", s)
		}
	}
}
