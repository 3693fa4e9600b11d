package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/threads"
)

// actionRows summarises everything a payer action can store, to check that
// a refused one stored nothing.
func (h *portalHub) actionRows() string {
	h.t.Helper()
	var out []string
	for _, table := range []string{"threads", "thread_messages", "holds", "events", "payer_mutes"} {
		var n int64
		if err := h.db.Gorm.Table(table).Count(&n).Error; err != nil {
			h.t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s=%d", table, n))
	}
	var paused int64
	h.db.Gorm.Table("payers").Where("paused_until IS NOT NULL").Count(&paused)
	return strings.Join(append(out, fmt.Sprintf("paused=%d", paused)), " ")
}

func invoicePath(id int64) string { return "/portal/invoices/" + itoa(id) }

func TestPortalQuestionAndDispute(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north, contoso := h.vendor("Northwind Supplies"), h.vendor("Contoso Paper")
		asked := h.invoice(north, "N-1", "ap@acme.example", 125000, "2026-11-20")
		disputed := h.invoice(north, "N-2", "ap@acme.example", 40000, "2026-11-25")
		h.invoice(contoso, "C-1", "ap@acme.example", 5000, "2026-11-30")
		b := h.signIn("ap@acme.example")

		r := b.post(invoicePath(asked)+"/questions", url.Values{"body": {"Is PO 4471 <b>on</b> this one?"}}, invoicePath(asked))
		if r.status != http.StatusSeeOther || r.location != invoicePath(asked)+"?done=question" {
			t.Fatalf("question: %d → %q\n%s", r.status, r.location, r.body)
		}
		page := b.get(r.location)
		for _, want := range []string{"Your question was sent", "<strong>Question</strong>", "Open · opened 23 Nov 2026",
			"You · 23 Nov 2026, 10:00", "Is PO 4471 &lt;b&gt;on&lt;/b&gt; this one?"} {
			if !strings.Contains(page.body, want) {
				t.Errorf("invoice page after a question lacks %q", want)
			}
		}

		r = b.post(invoicePath(disputed)+"/disputes", url.Values{"reason": {"pricing"}, "amount": {"250.00"},
			"note": {"Unit price should be 10.00"}}, invoicePath(disputed))
		if r.status != http.StatusSeeOther || r.location != invoicePath(disputed)+"?done=dispute" {
			t.Fatalf("dispute: %d → %q\n%s", r.status, r.location, r.body)
		}
		page = b.get(r.location)
		for _, want := range []string{"Your dispute was opened", "Dispute — Pricing is wrong", "USD 250.00 disputed",
			"Unit price should be 10.00", `<span class="hold">Disputed</span>`} {
			if !strings.Contains(page.body, want) {
				t.Errorf("invoice page after a dispute lacks %q", want)
			}
		}
		var th threads.Thread
		if err := db.Gorm.Where("invoice_id = ?", disputed).Take(&th).Error; err != nil || th.DisputedAmount != 25000 ||
			th.Reason != "pricing" || th.Kind != "dispute" {
			t.Fatalf("stored dispute: %+v %v", th, err)
		}
		var hold payers.Hold
		if err := db.Gorm.Where("invoice_id = ?", disputed).Take(&hold).Error; err != nil || hold.Kind != "dispute" || hold.RefID != th.ID {
			t.Fatalf("dispute hold: %+v %v", hold, err)
		}
		inbox := b.get("/portal")
		if !strings.Contains(inbox.body, `<span class="hold">Disputed</span>`) || !strings.Contains(inbox.body, "not counting 1 on hold") {
			t.Fatal("the inbox does not show the disputed invoice on hold")
		}
		if got := h.events(north); !slices.Equal(got, []string{"question.created", "dispute.created"}) {
			t.Fatalf("Northwind's events: %v", got)
		}
		if got := h.events(contoso); len(got) != 0 {
			t.Fatalf("Contoso heard of another vendor's invoices: %v", got)
		}

		// The vendor's answer shows under the vendor's name.
		db.Gorm.Create(&threads.ThreadMessage{ThreadID: th.ID, Author: "vendor", Body: "We will check the price.", CreatedAt: h.now.Add(time.Hour)})
		page = b.get(invoicePath(disputed))
		if !strings.Contains(page.body, `<p class="msg vendor"><span class="who">Northwind Supplies · 23 Nov 2026, 11:00</span>We will check the price.</p>`) {
			t.Fatalf("the vendor's answer:\n%s", page.body)
		}
	})
}

func TestPortalActionsRefuseBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north := h.vendor("Northwind")
		inv := h.invoice(north, "N-1", "ap@acme.example", 125000, "2026-11-20")
		b := h.signIn("ap@acme.example")
		page := invoicePath(inv)
		dispute := func(reason, amount, note string) url.Values {
			return url.Values{"reason": {reason}, "amount": {amount}, "note": {note}}
		}
		promise := func(date, amount string) url.Values { return url.Values{"date": {date}, "amount": {amount}} }
		before := h.actionRows()
		for _, c := range []struct {
			name, path string
			fields     url.Values
			want       string
		}{
			{"empty question", "/questions", url.Values{"body": {"  "}}, "Your question: The question is empty."},
			{"4001-character question", "/questions", url.Values{"body": {strings.Repeat("a", 4001)}}, "Your question: The question is longer than 4000 characters."},
			{"unknown reason", "/disputes", dispute("because", "10.00", "Wrong"), "Reason: Choose a reason from the list."},
			{"no reason", "/disputes", dispute("", "10.00", "Wrong"), "Reason: Choose a reason from the list."},
			{"empty note", "/disputes", dispute("pricing", "10.00", ""), "Note: The note is empty."},
			{"disputed amount above remaining", "/disputes", dispute("pricing", "1250.01", "Wrong"), "Disputed amount: The disputed amount is more than"},
			{"disputed amount zero", "/disputes", dispute("pricing", "0", "Wrong"), "Disputed amount: The disputed amount must be more than zero."},
			{"disputed amount not a number", "/disputes", dispute("pricing", "ten", "Wrong"), "Disputed amount: Enter an amount like 1,250.00."},
			{"promise in the past", "/promise", promise("2026-11-22", ""), "I will pay by: The date must be after today."},
			{"promise today", "/promise", promise("2026-11-23", ""), "I will pay by: The date must be after today."},
			{"promise beyond 60 days", "/promise", promise("2027-01-23", ""), "I will pay by: The date must be within 60 days."},
			{"promise not a date", "/promise", promise("next week", ""), "I will pay by: Choose a date like 2026-12-01."},
			{"promise amount above remaining", "/promise", promise("2026-12-01", "1,250.01"), "Amount: The amount is more than the invoice&#39;s remaining amount."},
			{"promise amount zero", "/promise", promise("2026-12-01", "0"), "Amount: Enter an amount"},
		} {
			r := b.post(page+c.path, c.fields, page)
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, c.want) || !strings.Contains(r.body, "Invoice N-1") {
				t.Errorf("%s: %d, want 422 with %q\n%s", c.name, r.status, c.want, r.body)
			}
		}
		for _, until := range []string{"2026-11-22", "2027-02-22", "someday"} {
			r := b.post("/portal/pause", url.Values{"until": {until}}, "/portal")
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Pause until:") {
				t.Errorf("pause until %s: %d\n%s", until, r.status, r.body)
			}
		}
		if after := h.actionRows(); after != before {
			t.Fatalf("refused actions stored something: %s → %s", before, after)
		}
		// The boundaries themselves are accepted.
		if r := b.post(page+"/promise", promise("2027-01-22", ""), page); r.status != http.StatusSeeOther {
			t.Errorf("promise 60 days ahead: %d", r.status)
		}
		if r := b.post(page+"/questions", url.Values{"body": {strings.Repeat("é", 4000)}}, page); r.status != http.StatusSeeOther {
			t.Errorf("4000-character question: %d", r.status)
		}
		if r := b.post("/portal/pause", url.Values{"until": {"2027-02-21"}}, "/portal"); r.status != http.StatusSeeOther {
			t.Errorf("pause 90 days: %d", r.status)
		}
	})
}

func TestPortalPromiseLapses(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north := h.vendor("Northwind")
		inv := h.invoice(north, "N-1", "ap@acme.example", 125000, "2026-11-20")
		b := h.signIn("ap@acme.example")

		r := b.post(invoicePath(inv)+"/promise", url.Values{"date": {"2026-11-27"}, "amount": {"500"}}, invoicePath(inv))
		if r.status != http.StatusSeeOther || r.location != invoicePath(inv)+"?done=promise" {
			t.Fatalf("promise: %d → %q\n%s", r.status, r.location, r.body)
		}
		if page := b.get(r.location); !strings.Contains(page.body, "Reminders for this invoice are paused until the date you promised") {
			t.Error("no confirmation after promising")
		}
		var hold payers.Hold
		if err := db.Gorm.Where("invoice_id = ?", inv).Take(&hold).Error; err != nil || hold.Kind != "promise" || hold.Amount != 50000 ||
			!hold.Until.Equal(time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("promise hold: %+v %v", hold, err)
		}
		if inbox := b.get("/portal"); !strings.Contains(inbox.body, "Payment promised") {
			t.Fatal("the inbox does not show the promise")
		}

		h.now = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
		for range 2 {
			if _, err := h.payers.BreakPromises(t.Context(), h.now); err != nil {
				t.Fatal(err)
			}
		}
		if got := h.events(north); !slices.Equal(got, []string{"promise.created", "promise.broken"}) {
			t.Fatalf("events: %v", got)
		}
		if inbox := b.get("/portal"); strings.Contains(inbox.body, "Payment promised") || strings.Contains(inbox.body, "on hold") {
			t.Fatal("a broken promise still holds the invoice")
		}
	})
}

func TestPortalPay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north := h.vendor("Northwind")
		inv := h.invoice(north, "N-1", "ap@acme.example", 125000, "2026-11-20")
		b := h.signIn("ap@acme.example")

		r := b.post(invoicePath(inv)+"/pay", nil, invoicePath(inv))
		if r.status != http.StatusSeeOther || r.location != "https://pay.example/N-1" || r.header.Get("Referrer-Policy") != "no-referrer" {
			t.Fatalf("pay: %d → %q", r.status, r.location)
		}
		if got := h.events(north); !slices.Equal(got, []string{"pay.clicked"}) {
			t.Fatalf("events: %v", got)
		}

		// An invoice the vendor takes no online payment for says how to pay.
		db.Gorm.Table("invoices").Where("id = ?", inv).Update("pay_url", "")
		r = b.post(invoicePath(inv)+"/pay", nil, invoicePath(inv))
		if r.status != http.StatusOK || r.location != "" || !strings.Contains(r.body, "Northwind takes no online payment for this invoice") {
			t.Fatalf("pay without a pay url: %d → %q\n%s", r.status, r.location, r.body)
		}
		if got := h.events(north); len(got) != 1 {
			t.Fatalf("a click with nowhere to go was recorded: %v", got)
		}
	})
}

func TestPortalMuteAndPause(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north := h.vendor("Northwind")
		h.invoice(north, "N-1", "ap@acme.example", 125000, "2026-11-20")
		b := h.signIn("ap@acme.example")

		inbox := b.get("/portal")
		if !strings.Contains(inbox.body, `action="/portal/pause"`) {
			t.Fatal("the inbox has no pause form")
		}
		r := b.post("/portal/vendors/"+itoa(north)+"/mute", nil, "/portal")
		if r.status != http.StatusSeeOther || r.location != "/portal?done=mute" {
			t.Fatalf("mute: %d → %q", r.status, r.location)
		}
		if inbox := b.get(r.location); !strings.Contains(inbox.body, "(muted)") || !strings.Contains(inbox.body, "Muted. You will get no more reminders") {
			t.Fatal("the inbox does not show the vendor muted")
		}

		r = b.post("/portal/pause", url.Values{"until": {"2026-12-24"}}, "/portal")
		if r.status != http.StatusSeeOther || r.location != "/portal?done=pause" {
			t.Fatalf("pause: %d → %q\n%s", r.status, r.location, r.body)
		}
		p, _ := h.payers.Get(t.Context(), h.payerID("ap@acme.example"))
		if p.PausedUntil == nil || !p.PausedUntil.Equal(time.Date(2026, 12, 25, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("paused until %v", p.PausedUntil)
		}
	})
}

// TestPortalActionsStayWithTheirPayer: payer Y acting on payer X's invoice,
// or muting a vendor that does not bill Y, gets 404 and changes nothing.
// GET on an action changes nothing either.
func TestPortalActionsStayWithTheirPayer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north, contoso := h.vendor("Northwind"), h.vendor("Contoso")
		xInv := h.invoice(north, "N-1", "ap@x.example", 125000, "2026-11-20")
		h.invoice(contoso, "C-1", "ap@y.example", 100, "2026-11-20")
		x, y := h.signIn("ap@x.example"), h.signIn("ap@y.example")
		posts := map[string]url.Values{
			invoicePath(xInv) + "/pay":                 nil,
			invoicePath(xInv) + "/questions":           {"body": {"Hello"}},
			invoicePath(xInv) + "/disputes":            {"reason": {"pricing"}, "amount": {"1"}, "note": {"Wrong"}},
			invoicePath(xInv) + "/promise":             {"date": {"2026-12-01"}},
			"/portal/vendors/" + itoa(north) + "/mute": nil,
			"/portal/vendors/999999/mute":              nil,
			"/portal/invoices/999999/questions":        {"body": {"Hello"}},
		}
		before := h.actionRows()
		for path, fields := range posts {
			if r := y.post(path, fields, "/portal"); r.status != http.StatusNotFound || strings.Contains(r.body, "N-1") {
				t.Errorf("payer Y POST %s: %d", path, r.status)
			}
		}
		for path := range posts {
			// A form's own address shows the invoice page with the form
			// open (a reload after a refused form); nothing is stored.
			if r := x.get(path); r.status < 400 && (r.status != http.StatusSeeOther || !strings.Contains(r.location, "?do=")) {
				t.Errorf("GET %s: %d %s", path, r.status, r.location)
			}
		}
		if r := x.get("/portal/pause?until=2026-12-01"); r.status < 400 {
			t.Errorf("GET /portal/pause: %d", r.status)
		}
		if after := h.actionRows(); after != before {
			t.Fatalf("refused requests stored something: %s → %s", before, after)
		}
	})
}

// The dispute reasons the invoice page offers are the ones payers accepts.
func TestDisputeReasonsMatchTheTaxonomy(t *testing.T) {
	var codes []string
	for _, r := range disputeReasons {
		codes = append(codes, r.Code)
	}
	if !slices.Equal(codes, threads.DisputeReasons) {
		t.Fatalf("page offers %v, payers accepts %v", codes, threads.DisputeReasons)
	}
}
