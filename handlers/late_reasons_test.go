package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/vendors"
)

// TestLateReasonsReachAnalytics: the portal asks why only on an invoice a
// week overdue; the payer's one click and the vendor's tag from the thread
// page are counted, the vendor's over the payer's; another vendor cannot
// tag Northwind's thread.
func TestLateReasonsReachAnalytics(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newAnalyticsWorld(t, db)
		h := w.h
		ctx := context.Background()
		n1, _ := h.vendors.GetInvoice(ctx, w.north, "N-1") // 44 days overdue
		n2, _ := h.vendors.GetInvoice(ctx, w.north, "N-2") // not yet due
		payer := h.signIn("ap@acme.example")
		page := "/portal/invoices/" + strconvI(n1.ID)
		if body := payer.get(page).body; !strings.Contains(body, `id="late-reason"`) || !strings.Contains(body, "Payment-run timing") {
			t.Fatalf("the overdue invoice's page does not ask why")
		}
		if body := payer.get("/portal/invoices/" + strconvI(n2.ID)).body; strings.Contains(body, `id="late-reason"`) {
			t.Error("an invoice not overdue asks why it is late")
		}
		if r := payer.post(page+"/late-reason", url.Values{"reason": {"lottery"}}, page); r.status != http.StatusUnprocessableEntity {
			t.Errorf("an unknown reason: %d", r.status)
		}
		if r := payer.post(page+"/late-reason", url.Values{"reason": {"cash_flow"}}, page); r.status != http.StatusSeeOther {
			t.Fatalf("give a reason: %d %s", r.status, r.body)
		}
		reasons := func() []reasonJSON {
			h.now = h.now.Add(time.Minute) // figures look at what happened before now
			return w.figures(t, w.northKey, "from=2026-11-01&to=2026-11-23").TopLateReasons
		}
		if got := reasons(); len(got) != 1 || got[0] != (reasonJSON{"cash_flow", 1}) {
			t.Fatalf("late reasons after the payer's click: %+v", got)
		}

		th, err := h.threads.AskQuestion(ctx, h.payerID("ap@acme.example"), n1.ID, "When do you need this by?")
		if err != nil {
			t.Fatal(err)
		}
		h.member(w.north, "alice@northwind.example", vendors.RoleAgent)
		h.member(w.contoso, "carol@contoso.example", vendors.RoleAgent)
		alice, carol := h.vendorSignIn("alice@northwind.example"), h.vendorSignIn("carol@contoso.example")
		thread := "/vendor/threads/" + strconvI(th.ID)
		if r := carol.post(thread+"/late-reason", url.Values{"reason": {"other"}}, "/vendor"); r.status != http.StatusNotFound {
			t.Errorf("Contoso tagged Northwind's thread: %d", r.status)
		}
		// not_received is also a dispute reason, which reads differently.
		if r := alice.post(thread+"/late-reason", url.Values{"reason": {"not_received"}}, thread); r.status != http.StatusSeeOther {
			t.Fatalf("tag: %d %s", r.status, r.body)
		}
		if got := reasons(); len(got) != 1 || got[0] != (reasonJSON{"not_received", 1}) {
			t.Errorf("late reasons after the vendor's tag: %+v", got)
		}
		stats := alice.get("/vendor/analytics?from=2026-11-01&to=2026-11-23").body
		mustContain(t, "the analytics page's late reasons", stats, "Invoice not received")
		mustNotContain(t, "the analytics page's late reasons", stats, "Goods or services not received")
		if got := w.figures(t, h.apiKey(w.contoso), "from=2026-11-01&to=2026-11-23").TopLateReasons; len(got) != 0 {
			t.Errorf("Contoso's late reasons: %+v", got)
		}
	})
}
