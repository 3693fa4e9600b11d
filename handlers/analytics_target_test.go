package handlers

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/vendors"
)

// TestResponseTargetIsSetByAnAdmin: an admin sets the team's first-reply
// target on the analytics page and the API reports it; an agent may not,
// and a target out of range is refused.
func TestResponseTargetIsSetByAnAdmin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newAnalyticsWorld(t, db)
		h := w.h
		h.member(w.north, "ann@northwind.example", vendors.RoleAdmin)
		h.member(w.north, "alice@northwind.example", vendors.RoleAgent)
		admin, agent := h.vendorSignIn("ann@northwind.example"), h.vendorSignIn("alice@northwind.example")
		if got := w.figures(t, w.northKey, analyticsPeriod).ResponseTime.TargetHours; got != nil {
			t.Fatalf("default target %v, want null (one business day)", *got)
		}
		if r := agent.post("/vendor/analytics/target", url.Values{"hours": {"4"}}, "/vendor/analytics"); r.status != http.StatusForbidden {
			t.Errorf("an agent set the target: %d", r.status)
		}
		if r := admin.post("/vendor/analytics/target", url.Values{"hours": {"999"}}, "/vendor/analytics"); r.status != http.StatusBadRequest {
			t.Errorf("999 hours: %d", r.status)
		}
		r := admin.post("/vendor/analytics/target", url.Values{"hours": {"4"}}, "/vendor/analytics")
		if r.status != http.StatusSeeOther || r.location != "/vendor/analytics?done=target" {
			t.Fatalf("set target: %d %s", r.status, r.location)
		}
		if got := w.figures(t, w.northKey, analyticsPeriod).ResponseTime.TargetHours; got == nil || *got != 4 {
			t.Errorf("target after setting 4 hours: %v", got)
		}
		if got := w.figures(t, h.apiKey(w.contoso), analyticsPeriod).ResponseTime.TargetHours; got != nil {
			t.Errorf("Contoso's target changed to %v", *got)
		}
	})
}
