package handlers

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/risk"
	"github.com/duehub/duehub/vendors"
)

// TestLikelyLatePage (issue 16): the vendor inbox's "Likely late" queue
// lists the always-late customer's open invoice with its chance, reasons,
// amount and the day the early-mention option moved its first mention to;
// the analytics CSV of delinquent customers carries a late_risk column;
// another vendor's team sees none of it.
func TestLikelyLatePage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		var store *risk.Store
		h := newPortalHub(t, db, func(c *Config) {
			store = risk.NewStore(db.Gorm, c.Now)
			c.Risk = store
		})
		a, b := h.vendor("Alpha Supplies"), h.vendor("Beta Tools")
		h.member(a, "ann@alpha.example", vendors.RoleAdmin)
		h.member(b, "bob@beta.example", vendors.RoleAdmin)
		emails := []string{"late@acme.example", "early@globex.example", "prompt@initech.example", "slow@umbrella.example"}
		pushRiskHistory(t, h.vendors, a, h.now, 60, emails, []int{20, -5, 2, 12})
		// One of the late customer's invoices is 12 days overdue.
		h.invoice(a, "OVERDUE-1", "late@acme.example", 4200, h.now.AddDate(0, 0, -12).Format("2006-01-02"))
		ctx := context.Background()
		if err := store.SetEarly(ctx, a, risk.EarlyPolicy{Enabled: true, Threshold: 0.6, Days: 7}); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Retrain(ctx, a); err != nil {
			t.Fatal(err)
		}
		ann := h.vendorSignIn("ann@alpha.example")
		page := ann.get("/vendor/likely-late")
		if page.status != http.StatusOK {
			t.Fatalf("page: %d %s", page.status, page.body)
		}
		due := h.now.AddDate(0, 0, 20)
		for _, want := range []string{"O0", "USD 100.00", "Usually pays 20 days after the due date",
			"From " + due.AddDate(0, 0, -14).Format("2 Jan 2006"), "Already 12 days overdue", "mentioned to the payer 7 days earlier"} {
			if !strings.Contains(page.body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		mustNotContain(t, "the queue", page.body, "O1", "O2", "Customer early@globex.example", "Customer prompt@initech.example")

		// The customer's page shows the risk of each open invoice.
		var lateCustomer int64
		if err := db.Gorm.Raw(`SELECT id FROM customers WHERE vendor_id = ? AND email = ?`, a, "late@acme.example").
			Scan(&lateCustomer).Error; err != nil || lateCustomer == 0 {
			t.Fatalf("late customer: %d %v", lateCustomer, err)
		}
		cust := ann.get("/vendor/customers/" + strconvI(lateCustomer))
		mustContain(t, "the late customer's page", cust.body, "Chance late", "100%", "Usually pays 20 days after the due date")

		csv := ann.get("/vendor/analytics.csv?set=delinquent_customers")
		lines := strings.Split(strings.TrimPrefix(csv.body, "\ufeff"), "\r\n")
		if !strings.HasSuffix(lines[0], ",late_risk") || len(lines) < 2 || !strings.HasSuffix(lines[1], ",1.000") {
			t.Errorf("delinquent customers CSV %q", csv.body)
		}

		bob := h.vendorSignIn("bob@beta.example")
		theirs := bob.get("/vendor/likely-late")
		if theirs.status != http.StatusOK || !strings.Contains(theirs.body, "No open invoice") {
			t.Errorf("Beta's page: %d", theirs.status)
		}
		mustNotContain(t, "Beta's queue", theirs.body, "acme", "O0", "Alpha")
	})
}
