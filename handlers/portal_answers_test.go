package handlers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
)

// TestPortalShowsUsualAnswerTime: a vendor that answered five threads in
// the last 90 days (medians 1 to 5 hours: 3) shows "usually answers within
// 3 hours" on the payer's inbox and by the conversations of its invoice's
// page; one that answered four shows nothing, nor do threads older than 90
// days count.
func TestPortalShowsUsualAnswerTime(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		ctx := context.Background()
		start := h.now
		north, contoso := h.vendor("Northwind Supplies"), h.vendor("Contoso Paper")
		invoices := map[int64]int64{}
		answer := func(vendorID int64, ext string, opened time.Time, after time.Duration) {
			t.Helper()
			h.now = opened
			inv := h.invoice(vendorID, ext, "ap@acme.example", 1000, "2026-12-20")
			invoices[vendorID] = inv
			th, err := h.threads.AskQuestion(ctx, h.payerID("ap@acme.example"), inv, "Which PO?")
			if err != nil {
				t.Fatal(err)
			}
			h.now = opened.Add(after)
			if _, err := h.threads.VendorReply(ctx, vendorID, th.ID, "PO 1"); err != nil {
				t.Fatal(err)
			}
		}
		for i := 1; i <= 5; i++ {
			answer(north, "N-"+strconvI(int64(i)), start.AddDate(0, 0, -10*i), time.Duration(i)*time.Hour)
		}
		answer(north, "N-old", start.AddDate(0, 0, -100), 300*time.Hour)
		for i := 1; i <= 4; i++ {
			answer(contoso, "C-"+strconvI(int64(i)), start.AddDate(0, 0, -10*i), time.Hour)
		}
		h.now = start
		payer := h.signIn("ap@acme.example")
		page := payer.get("/portal").body
		if n := strings.Count(page, "Usually answers within"); n != 1 || !strings.Contains(page, "Usually answers within 3 hours") {
			t.Errorf("the inbox shows %d usual answer times:\n%s", n, page)
		}
		// The invoice's conversations say it too, only for Northwind.
		page = payer.get("/portal/invoices/" + strconvI(invoices[north])).body
		if !strings.Contains(page, "Northwind Supplies usually answers within 3 hours.") {
			t.Errorf("Northwind's invoice page lacks its usual answer time:\n%s", page)
		}
		if page := payer.get("/portal/invoices/" + strconvI(invoices[contoso])).body; strings.Contains(page, "usually answers within") {
			t.Error("Contoso, with four answers, shows a usual answer time on its invoice")
		}
	})
}
