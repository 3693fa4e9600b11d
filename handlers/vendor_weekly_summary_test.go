package handlers

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/vendors"
)

// TestAdminTurnsOwnWeeklySummaryOff: an admin stops and restarts their own
// weekly summary from the team page with a POST form; an agent cannot; a
// value that is neither on nor off is refused; another admin's setting and
// another vendor's stay as they were.
func TestAdminTurnsOwnWeeklySummaryOff(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		ctx := context.Background()
		north, contoso := h.vendor("Northwind Supplies"), h.vendor("Contoso Paper")
		alice := h.member(north, "alice@northwind.example", vendors.RoleAdmin)
		bob := h.member(north, "bob@northwind.example", vendors.RoleAdmin)
		h.member(north, "carl@northwind.example", vendors.RoleAgent)
		zed := h.member(contoso, "zed@contoso.example", vendors.RoleAdmin)
		on := func(vendorID, memberID int64) bool {
			t.Helper()
			got, err := h.vendors.WeeklySummaryOn(ctx, vendorID, memberID)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		a := h.vendorSignIn("alice@northwind.example")
		mustContain(t, "team page", a.get("/vendor/members").body, "Weekly summary email", "Stop my weekly summary")
		if r := a.post("/vendor/members/weekly-summary", url.Values{"on": {"maybe"}}, "/vendor/members"); r.status != http.StatusUnprocessableEntity {
			t.Errorf("a value neither on nor off: %d", r.status)
		}
		if r := a.post("/vendor/members/weekly-summary", url.Values{"on": {"false"}}, "/vendor/members"); r.status != http.StatusSeeOther {
			t.Fatalf("turn off: %d %s", r.status, r.body)
		}
		if on(north, alice.ID) || !on(north, bob.ID) || !on(contoso, zed.ID) {
			t.Error("turning Alice's summary off changed another's, or not hers")
		}
		mustContain(t, "team page", a.get("/vendor/members?done=weekly").body, "Send me the weekly summary", "setting is saved")
		c := h.vendorSignIn("carl@northwind.example")
		if r := c.post("/vendor/members/weekly-summary", url.Values{"on": {"true"}}, "/vendor/members"); r.status == http.StatusSeeOther {
			t.Error("an agent changed a weekly summary setting")
		}
		if r := a.post("/vendor/members/weekly-summary", url.Values{"on": {"true"}}, "/vendor/members"); r.status != http.StatusSeeOther || !on(north, alice.ID) {
			t.Errorf("turn back on: %d", r.status)
		}
	})
}
