package handlers

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/risk"
	"github.com/duehub/duehub/vendors"
)

// pushRiskHistory pushes, for each customer email, n monthly paid invoices
// paid late[i] days after their due date, and one open invoice due in 20
// days, as of now.
func pushRiskHistory(t *testing.T, vs *vendors.Store, vendorID int64, now time.Time, n int, emails []string, late []int) {
	t.Helper()
	today := civil.Of(now)
	var ins []vendors.InvoiceInput
	for c, email := range emails {
		cust := vendors.CustomerInput{ExternalID: "C-" + email, Name: "Customer " + email, Email: email}
		for k := range n {
			issue := today.AddDays(-60 - 3*k)
			due := issue.AddDays(30)
			amount := int64(10000)
			ins = append(ins, vendors.InvoiceInput{ExternalID: fmt.Sprintf("H-%d-%d", c, k), Number: fmt.Sprintf("H%d-%d", c, k),
				Customer: cust, Currency: "USD", AmountDue: &amount, IssueDate: issue.String(), DueDate: due.String(),
				Status: vendors.StatusPaid, PaidAt: due.AddDays(late[c]).String()})
		}
		amount := int64(10000)
		ins = append(ins, vendors.InvoiceInput{ExternalID: fmt.Sprintf("OPEN-%d", c), Number: fmt.Sprintf("O%d", c),
			Customer: cust, Currency: "USD", AmountDue: &amount, IssueDate: today.AddDays(-10).String(),
			DueDate: today.AddDays(20).String(), Status: vendors.StatusOpen})
	}
	for len(ins) > 0 {
		k := min(100, len(ins))
		res, err := vs.PushInvoices(context.Background(), vendorID, ins[:k])
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Result == vendors.ResultError {
				t.Fatalf("push: %+v", r)
			}
		}
		ins = ins[k:]
	}
}

type riskJSON struct {
	Probability *float64 `json:"probability"`
	Level       string   `json:"level"`
	Reasons     []string `json:"reasons"`
	Model       string   `json:"model"`
}

type invoiceRiskJSON struct {
	ExternalID string    `json:"external_id"`
	Status     string    `json:"status"`
	Risk       *riskJSON `json:"risk"`
}

// TestInvoiceRiskAPI (issue 16): after training, open invoices carry their
// risk in GET /v1/invoices and /v1/invoices/{id} (checked against the
// OpenAPI file), the always-late customer's high and the early one's low;
// paid invoices carry none. Vendor B billing the same payers with the
// opposite habits, trained too, changes nothing of vendor A's scores. The
// early-mention option is read and written through the policy API.
func TestInvoiceRiskAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		store := risk.NewStore(db.Gorm, time.Now)
		h := newHub(t, db, func(c *Config) { c.Risk = store })
		a, keyA := h.vendor("Alpha Supplies")
		b, keyB := h.vendor("Beta Tools")
		emails := []string{"late@acme.example", "early@globex.example", "prompt@initech.example", "slow@umbrella.example"}
		pushRiskHistory(t, h.vendors, a, time.Now(), 60, emails, []int{20, -5, 2, 12})
		ctx := context.Background()
		if m, err := store.Retrain(ctx, a); err != nil || m.Kind != risk.KindLogistic {
			t.Fatalf("retrain A: %v %+v", err, m.Kind)
		}
		scores := func() map[string]*riskJSON {
			var list struct {
				Data []invoiceRiskJSON `json:"data"`
			}
			r := h.do("GET", "/v1/invoices?limit=500", keyA, nil)
			if r.status != 200 {
				t.Fatalf("list: %d %s", r.status, r.body)
			}
			r.json(t, &list)
			out := map[string]*riskJSON{}
			for _, inv := range list.Data {
				if inv.Status != "open" && inv.Risk != nil {
					t.Errorf("%s is %s and has a risk", inv.ExternalID, inv.Status)
				}
				if inv.Status == "open" {
					out[inv.ExternalID] = inv.Risk
				}
			}
			return out
		}
		got := scores()
		late, early := got["OPEN-0"], got["OPEN-1"]
		if late == nil || early == nil {
			t.Fatalf("open invoices without risk: %+v", got)
		}
		t.Logf("late: %v %q; early: %v %q", *late.Probability, late.Reasons, *early.Probability, early.Reasons)
		if *late.Probability < 0.8 || late.Level != "high" || late.Model != "logistic_regression" || len(late.Reasons) == 0 {
			t.Errorf("always-late customer: %+v", *late)
		}
		if !slices.Contains(late.Reasons, "Paid 60 of 60 earlier invoices more than 7 days late") &&
			!slices.Contains(late.Reasons, "Usually pays 20 days after the due date (last 10 payments)") {
			t.Errorf("no reason names the habit: %q", late.Reasons)
		}
		if *early.Probability > 0.2 || early.Level != "low" {
			t.Errorf("early customer: %+v", *early)
		}
		var one invoiceRiskJSON
		r := h.do("GET", "/v1/invoices/OPEN-0", keyA, nil)
		r.json(t, &one)
		if one.Risk == nil || *one.Risk.Probability != *late.Probability {
			t.Errorf("GET one: %s", r.body)
		}
		one = invoiceRiskJSON{}
		h.do("GET", "/v1/invoices/H-0-1", keyA, nil).json(t, &one)
		if one.Risk != nil {
			t.Errorf("a paid invoice has a risk: %+v", one.Risk)
		}

		// Vendor B: the same payers, opposite habits.
		pushRiskHistory(t, h.vendors, b, time.Now(), 60, emails, []int{-5, 20, 12, 2})
		if _, err := store.Retrain(ctx, b); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Retrain(ctx, a); err != nil {
			t.Fatal(err)
		}
		after := scores()
		for id, r := range got {
			if *after[id].Probability != *r.Probability {
				t.Errorf("vendor B's history changed A's %s: %v then %v", id, *r.Probability, *after[id].Probability)
			}
		}
		var bList struct {
			Data []invoiceRiskJSON `json:"data"`
		}
		h.do("GET", "/v1/invoices?status=open", keyB, nil).json(t, &bList)
		for _, inv := range bList.Data {
			if inv.ExternalID == "OPEN-0" && inv.Risk.Level != "low" {
				t.Errorf("B's early customer scored %+v", *inv.Risk)
			}
		}

		// The early-mention option through the policy API.
		var pol struct {
			EarlyMention risk.EarlyPolicy `json:"early_mention"`
		}
		h.do("GET", "/v1/reminder-policy", keyA, nil).json(t, &pol)
		if pol.EarlyMention.Enabled || pol.EarlyMention.Threshold != 0.6 || pol.EarlyMention.Days != 7 {
			t.Errorf("default: %+v", pol.EarlyMention)
		}
		bad := h.do("PUT", "/v1/reminder-policy", keyA, `{"offsets":[-7,0,3,7],"repeat_days":7,"early_mention":{"enabled":true,"threshold":0,"days":30}}`)
		p := bad.problem(t, 422)
		if len(p.Errors) != 2 || p.Errors[0].Field != "early_mention.threshold" || p.Errors[1].Field != "early_mention.days" {
			t.Errorf("errors: %s", bad.body)
		}
		ok := h.do("PUT", "/v1/reminder-policy", keyA, `{"offsets":[-7,0,3,7],"repeat_days":7,"early_mention":{"enabled":true,"threshold":0.7,"days":5}}`)
		if ok.status != 200 {
			t.Fatalf("put: %d %s", ok.status, ok.body)
		}
		h.do("GET", "/v1/reminder-policy", keyA, nil).json(t, &pol)
		if !pol.EarlyMention.Enabled || pol.EarlyMention.Threshold != 0.7 || pol.EarlyMention.Days != 5 {
			t.Errorf("saved: %+v", pol.EarlyMention)
		}
		h.do("GET", "/v1/reminder-policy", keyB, nil).json(t, &pol)
		if pol.EarlyMention.Enabled {
			t.Error("A's option shows for B")
		}
		rows, err := store.LikelyLate(ctx, a, 0.3, 10)
		if err != nil || len(rows) != 2 || rows[0].ExternalID != "OPEN-0" || rows[0].MentionFrom.IsZero() {
			t.Errorf("likely late: %v %+v", err, rows)
		}
	})
}
