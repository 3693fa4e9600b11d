package handlers

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
)

// A refused dispute comes back with the dispute form open, what was typed
// kept, the error next to its field and a summary at the top; its address
// opened again shows the invoice page with the form, not a JSON 405.
func TestRefusedDisputeKeepsWhatWasTyped(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north := h.vendor("Northwind Supplies")
		inv := h.invoice(north, "N-1", "ap@acme.example", 125000, "2026-11-16")
		b := h.signIn("ap@acme.example")
		r := b.post(invoicePath(inv)+"/disputes", url.Values{"reason": {"quantity"}, "amount": {"5000.00"},
			"note": {"We received 10 pallets, not 12."}}, invoicePath(inv))
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("too large a dispute: %d", r.status)
		}
		mustContain(t, "refused dispute", r.body,
			`<details class="action" id="dispute" open>`,
			`<option value="quantity" selected>`,
			`value="5000.00"`,
			">We received 10 pallets, not 12.</textarea>",
			`aria-invalid="true" aria-describedby="d-amount-error"`,
			`<p class="field-error" id="d-amount-error">The disputed amount is more than the invoice&#39;s remaining amount.</p>`,
			`<a href="#d-amount">Disputed amount: The disputed amount is more than`,
			"<title>Error: Invoice N-1")
		if n := strings.Count(r.body, `aria-invalid="true" aria-describedby`); n != 1 {
			t.Errorf("%d fields marked invalid, want 1", n)
		}
		if rows := h.actionRows(); !strings.Contains(rows, "threads=0") {
			t.Errorf("a refused dispute stored something: %s", rows)
		}
		again := b.get(invoicePath(inv) + "/disputes")
		if again.status != http.StatusSeeOther || again.location != invoicePath(inv)+"?do=dispute#dispute" {
			t.Fatalf("the form's address opened again: %d %q", again.status, again.location)
		}
		page := b.get(invoicePath(inv) + "?do=dispute")
		mustContain(t, "the dispute link's page", page.body, `<details class="action" id="dispute" open>`, `id="summary"`)
		if strings.Index(page.body, `id="dispute"`) > strings.Index(page.body, `<dl class="facts">`) {
			t.Error("the dispute form is not first on the page a dispute link opens")
		}
	})
}

// The payer answers inside the conversation; a second dispute joins the
// first; a new promise supersedes the old one visibly for the vendor.
func TestOneConversationPerTopic(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		ctx := context.Background()
		north := h.vendor("Northwind Supplies")
		n1 := h.invoice(north, "N-1", "ap@acme.example", 125000, "2026-11-16")
		n2 := h.invoice(north, "N-2", "ap@acme.example", 40000, "2026-11-20")
		n3 := h.invoice(north, "N-3", "ap@acme.example", 30000, "2026-11-26")
		h.member(north, "alice@northwind.example", vendors.RoleAgent)
		payer := h.payerID("ap@acme.example")
		q, err := h.threads.AskQuestion(ctx, payer, n1, "Which PO is this?")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.threads.VendorReply(ctx, north, q.ID, "PO 4471."); err != nil {
			t.Fatal(err)
		}
		b := h.signIn("ap@acme.example")
		r := b.post(invoicePath(n1)+"/threads/"+itoa(q.ID)+"/reply", url.Values{"body": {"Thanks — and who approved it?"}}, invoicePath(n1))
		if r.status != http.StatusSeeOther {
			t.Fatalf("reply: %d %s", r.status, r.body)
		}
		got := h.thread(north, q.ID)
		if got.State != threads.ThreadOpen {
			t.Errorf("an answered thread the payer replied in is %q, want open", got.State)
		}
		var nThreads int64
		db.Gorm.Table("threads").Where("invoice_id = ?", n1).Count(&nThreads)
		if nThreads != 1 {
			t.Errorf("%d threads on N-1, want the one conversation", nThreads)
		}
		vendorPage := h.vendorSignIn("alice@northwind.example").get("/vendor/threads/" + itoa(q.ID))
		mustContain(t, "the vendor's thread", vendorPage.body, "Thanks — and who approved it?", "PO 4471.")

		// An empty reply keeps the thread and says why, next to the field.
		r = b.post(invoicePath(n1)+"/threads/"+itoa(q.ID)+"/reply", url.Values{"body": {"  "}}, invoicePath(n1))
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("empty reply: %d", r.status)
		}
		mustContain(t, "refused reply", r.body, `id="r-body-`+itoa(q.ID)+`-error"`, `href="#r-body-`+itoa(q.ID)+`"`)

		first := b.post(invoicePath(n2)+"/disputes", url.Values{"reason": {"quantity"}, "amount": {"100.00"}, "note": {"2 pallets short."}}, invoicePath(n2))
		second := b.post(invoicePath(n2)+"/disputes", url.Values{"reason": {"pricing"}, "amount": {"150.00"}, "note": {"And the unit price is wrong."}}, invoicePath(n2))
		if first.status != http.StatusSeeOther || second.status != http.StatusSeeOther {
			t.Fatalf("disputes: %d %d", first.status, second.status)
		}
		var disputes []threads.Thread
		db.Gorm.Preload("Messages").Where("invoice_id = ?", n2).Find(&disputes)
		if len(disputes) != 1 || len(disputes[0].Messages) != 2 || disputes[0].Reason != "pricing" || disputes[0].DisputedAmount != 15000 {
			t.Fatalf("a second dispute did not join the first: %+v", disputes)
		}
		mustContain(t, "invoice page after a second dispute", b.get(invoicePath(n2)).body, "Add to the dispute", "And the unit price is wrong.")

		for _, day := range []int{3, 5} {
			if _, err := h.payers.Promise(ctx, payer, n3, civil.Of(h.now).AddDays(day), 0); err != nil {
				t.Fatal(err)
			}
		}
		inbox := h.vendorSignIn("alice@northwind.example").get("/vendor")
		mustContain(t, "vendor inbox after a changed promise", inbox.body,
			"Superseded 23 Nov 2026", "by a promise for "+formatDay(civil.Of(h.now).AddDays(5)))
		evs, _ := h.vendors.Events(ctx, north, 0, 1000)
		last := evs[len(evs)-1]
		if last.Type != "promise.created" || !strings.Contains(last.Payload, `"replaces_promised_date":"`+civil.Of(h.now).AddDays(3).String()+`"`) {
			t.Errorf("the second promise's event: %s %s", last.Type, last.Payload)
		}
	})
}

// Mute and pause undo from where they show; sign out asks first.
func TestUndoMuteAndPause(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north := h.vendor("Northwind Supplies")
		inv := h.invoice(north, "N-1", "ap@acme.example", 125000, "2026-11-16")
		b := h.signIn("ap@acme.example")
		if r := b.post("/portal/vendors/"+itoa(north)+"/mute", nil, invoicePath(inv)); r.status != http.StatusSeeOther {
			t.Fatalf("mute: %d", r.status)
		}
		mustContain(t, "invoice page of a muted vendor", b.get(invoicePath(inv)).body, "Unmute Northwind Supplies")
		mustContain(t, "settings", b.get("/portal/settings").body, "Unmute Northwind Supplies")
		r := b.post("/portal/vendors/"+itoa(north)+"/unmute", url.Values{"back": {invoicePath(inv)}}, invoicePath(inv))
		if r.status != http.StatusSeeOther || r.location != invoicePath(inv)+"?done=unmute" {
			t.Fatalf("unmute: %d %q", r.status, r.location)
		}
		if strings.Contains(h.actionRows(), "payer_mutes=1") {
			t.Error("the mute is still stored")
		}
		if r := b.post("/portal/vendors/"+itoa(north)+"/unmute", nil, "/portal"); r.status != http.StatusNotFound {
			t.Errorf("unmuting a vendor not muted: %d", r.status)
		}

		if r := b.post("/portal/pause", url.Values{"until": {"2026-12-01"}}, "/portal"); r.status != http.StatusSeeOther {
			t.Fatalf("pause: %d", r.status)
		}
		for _, path := range []string{"/portal", invoicePath(inv), "/portal/settings"} {
			mustContain(t, path+" while paused", b.get(path).body, "Reminders paused until 1 Dec 2026", "Resume reminders")
		}
		if r := b.post("/portal/resume", url.Values{"back": {"/portal/settings"}}, "/portal"); r.status != http.StatusSeeOther || r.location != "/portal/settings?done=resume" {
			t.Fatalf("resume: %d %q", r.status, r.location)
		}
		mustNotContain(t, "inbox after resuming", b.get("/portal").body, "Reminders paused until")

		confirm := b.get("/portal/signout")
		mustContain(t, "sign out page", confirm.body, "Sign out everywhere?", "Yes, sign me out everywhere")
		r = b.post("/portal/signout", nil, "/portal/signout")
		if r.status != http.StatusSeeOther || r.location != "/portal/signed-out" {
			t.Fatalf("sign out: %d %q", r.status, r.location)
		}
		mustContain(t, "signed out page", b.get(r.location).body, "How to get back in", "Email me a fresh link")
	})
}

// A person's browser gets pages with a way back; machines get problem+json.
func TestBrowserRoutesAnswerHTML(t *testing.T) {
	h := newPortalHub(t, dbtest.SQLite(t))
	h.invoice(h.vendor("Northwind Supplies"), "N-1", "ap@acme.example", 125000, "2026-11-16")
	b := h.signIn("ap@acme.example")
	for _, path := range []string{"/portal/nothing-here", "/vendor/nothing/here", "/nothing"} {
		req, _ := http.NewRequest(http.MethodGet, h.srv.URL+path, nil)
		req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8") // as a browser asks
		resp, err := b.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r := readWebPage(t, resp)
		if r.status != http.StatusNotFound || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !strings.Contains(r.body, "<a href=\"/") {
			t.Errorf("GET %s: %d %s", path, r.status, r.header.Get("Content-Type"))
		}
	}
	req, _ := http.NewRequest(http.MethodDelete, h.srv.URL+"/portal/settings", nil)
	resp, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r := readWebPage(t, resp)
	if r.status != http.StatusMethodNotAllowed && r.status != http.StatusNotFound || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Errorf("DELETE /portal/settings: %d %s", r.status, r.header.Get("Content-Type"))
	}
	for _, path := range []string{"/v1/nothing", "/webhooks/nothing", "/dev/outbox.json/x"} {
		if r := b.get(path); !strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") {
			t.Errorf("GET %s: %s", path, r.header.Get("Content-Type"))
		}
	}
}

// The invoice page tells the whole story, newest first.
func TestInvoiceTimelineListsEachEvent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		ctx := context.Background()
		north := h.vendor("Northwind Supplies")
		inv := h.invoice(north, "N-1", "ap@acme.example", 125000, "2026-11-16")
		other := h.invoice(north, "N-2", "ap@acme.example", 40000, "2026-11-20")
		amount := int64(15000)
		if _, err := h.vendors.PushCredits(ctx, north, []vendors.CreditInput{{ExternalID: "CN-1", Number: "CN-1",
			Currency: "USD", Amount: &amount,
			Customer: vendors.CustomerInput{ExternalID: "C-ap@acme.example", Name: "Acme", Email: "ap@acme.example"}}}); err != nil {
			t.Fatal(err)
		}
		payer := h.payerID("ap@acme.example")
		tick := func() { h.now = h.now.Add(time.Minute) }
		db.Gorm.Exec(`INSERT INTO digests (payer_id, channel, slot, status, invoice_ids, created_at, updated_at, sent_at)
VALUES (?, 'email', ?, 'sent', ?, ?, ?, ?)`, payer, h.now, itoa(other)+","+itoa(inv), h.now, h.now, h.now)
		tick()
		if _, err := h.payers.PayClicked(ctx, payer, inv); err != nil {
			t.Fatal(err)
		}
		tick()
		credits, err := h.payers.Credits(ctx, payer, inv)
		if err != nil || len(credits) != 1 {
			t.Fatalf("credits: %v %v", credits, err)
		}
		if _, err := h.payers.ApplyCredit(ctx, payer, credits[0].CreditID, inv, 15000); err != nil {
			t.Fatal(err)
		}
		tick()
		for _, day := range []int{3, 5} {
			if _, err := h.payers.Promise(ctx, payer, inv, civil.Of(h.now).AddDays(day), 0); err != nil {
				t.Fatal(err)
			}
			tick()
		}
		d, err := h.threads.OpenDispute(ctx, payer, inv, "quantity", 10000, "2 pallets short.")
		if err != nil {
			t.Fatal(err)
		}
		tick()
		if _, err := h.threads.VendorReply(ctx, north, d.ID, "Checking with the warehouse."); err != nil {
			t.Fatal(err)
		}
		tick()
		if _, err := h.threads.ResolveThread(ctx, north, d.ID, "credit_issued", "Credit CN-9 follows."); err != nil {
			t.Fatal(err)
		}
		tick()
		reports, err := h.payers.ReportPayment(ctx, payer, payers.Report{Method: "bank_transfer", PaidOn: civil.Of(h.now),
			Lines: []payers.ReportLine{{InvoiceID: inv, Amount: 50000}}})
		if err != nil {
			t.Fatal(err)
		}
		tick()
		if _, err := h.payers.ConfirmPayment(ctx, north, reports[0].ID); err != nil {
			t.Fatal(err)
		}
		page := h.signIn("ap@acme.example").get(invoicePath(inv))
		start := strings.Index(page.body, `id="timeline"`)
		if start < 0 {
			t.Fatalf("no timeline:\n%s", page.body)
		}
		timeline := page.body[start:]
		want := []string{
			"Northwind Supplies confirmed your payment of USD 500.00",
			"You reported a payment of USD 500.00 (bank transfer, paid 23 Nov 2026)",
			"Northwind Supplies resolved it: credit issued",
			"Northwind Supplies answered",
			"You disputed USD 100.00: Quantity is wrong",
			"You promised to pay by 28 Nov 2026",
			"Your promise for 26 Nov 2026 was replaced by a new one",
			"You promised to pay by 26 Nov 2026",
			"You applied credit CN-1: USD 150.00",
			"You opened Northwind Supplies&#39; payment page",
			"Reminder sent to you by email",
		}
		last := -1
		for _, w := range want {
			i := strings.Index(timeline, w)
			if i < 0 {
				t.Errorf("the timeline lacks %q", w)
				continue
			}
			if i < last {
				t.Errorf("%q is out of order (newest first)", w)
			}
			last = i
		}
		if other := h.signIn("ap@acme.example").get(invoicePath(other)).body; strings.Contains(other[strings.Index(other, `id="timeline"`):], "You disputed") {
			t.Error("N-1's dispute shows on N-2's timeline")
		}
	})
}

// An answer email opens the conversation; the inbox marks the invoice until
// the payer replies.
func TestAnswerLinksToTheConversation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		ctx := context.Background()
		north := h.vendor("Northwind Supplies")
		inv := h.invoice(north, "N-1", "ap@acme.example", 125000, "2026-11-16")
		h.member(north, "alice@northwind.example", vendors.RoleAgent)
		payer := h.payerID("ap@acme.example")
		q, err := h.threads.AskQuestion(ctx, payer, inv, "Which PO is this?")
		if err != nil {
			t.Fatal(err)
		}
		agent := h.vendorSignIn("alice@northwind.example")
		if r := agent.post("/vendor/threads/"+itoa(q.ID)+"/reply", url.Values{"body": {"PO 4471."}}, "/vendor/threads/"+itoa(q.ID)); r.status != http.StatusSeeOther {
			t.Fatalf("vendor reply: %d", r.status)
		}
		var link string
		for deadline := time.Now().Add(10 * time.Second); link == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			for _, m := range h.mailsTo("ap@acme.example") {
				if strings.Contains(m.Subject, "answered your question") {
					for _, f := range strings.Fields(m.Text) {
						if strings.Contains(f, "/l/") && link == "" {
							link = f // the conversation; the unsubscribe link comes last
						}
					}
				}
			}
		}
		if link == "" {
			t.Fatal("no answer email with a link")
		}
		b := h.browser()
		r := b.get(strings.TrimPrefix(link, h.srv.URL))
		if r.status != http.StatusSeeOther || r.location != invoicePath(inv)+"#thread-"+itoa(q.ID) {
			t.Fatalf("the answer link lands on %d %q", r.status, r.location)
		}
		mustContain(t, "inbox with an answer", b.get("/portal").body, `<a class="unread" href="`+invoicePath(inv)+`#history">New answer</a>`)
		b.post(invoicePath(inv)+"/threads/"+itoa(q.ID)+"/reply", url.Values{"body": {"Thanks."}}, invoicePath(inv))
		mustNotContain(t, "inbox after replying", b.get("/portal").body, "New answer")
	})
}

// The CSV export and the calendar feed hold the payer's own invoices only,
// and parse with real parsers; a revoked feed answers nothing.
func TestExportAndCalendarHoldOnlyThePayersInvoices(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		ctx := context.Background()
		north, contoso := h.vendor("Northwind Supplies"), h.vendor("Contoso Paper")
		h.invoice(north, "N-1", "ap@acme.example", 125000, "2026-11-16")
		c1 := h.invoice(contoso, "C-1", "ap@acme.example", 9900, "2026-12-02")
		h.invoice(north, "X-1", "ap@other.example", 70000, "2026-11-30")
		if _, err := h.payers.Promise(ctx, h.payerID("ap@acme.example"), c1, civil.Of(h.now).AddDays(4), 0); err != nil {
			t.Fatal(err)
		}
		b := h.signIn("ap@acme.example")
		r := b.get("/portal/export.csv")
		if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
			t.Fatalf("export: %d %s", r.status, r.header.Get("Content-Type"))
		}
		recs, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
		if err != nil {
			t.Fatalf("the export is no CSV: %v", err)
		}
		var numbers []string
		for _, rec := range recs[1:] {
			numbers = append(numbers, rec[2])
		}
		if strings.Join(numbers, ",") != "C-1,N-1" || recs[0][2] != "invoice_number" || recs[1][11] != civil.Of(h.now).AddDays(4).String() {
			t.Errorf("export rows: %v", recs)
		}

		page := b.post("/portal/settings/calendar", nil, "/portal/settings")
		feed := regexp.MustCompile(`/portal/calendar/[A-Za-z0-9_-]+\.ics`).FindString(page.body)
		if feed == "" {
			t.Fatalf("no calendar link:\n%s", page.body)
		}
		mustContain(t, "settings with a calendar", b.get("/portal/settings").body, "Turn the calendar link off")
		r = h.browser().get(feed)
		if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/calendar") {
			t.Fatalf("feed: %d %s", r.status, r.header.Get("Content-Type"))
		}
		cal, err := ical.NewDecoder(strings.NewReader(r.body)).Decode()
		if err != nil {
			t.Fatalf("the feed does not parse: %v\n%s", err, r.body)
		}
		var summaries []string
		for _, ev := range cal.Events() {
			s, _ := ev.Props.Text(ical.PropSummary)
			start, err := ev.DateTimeStart(time.UTC)
			if err != nil {
				t.Errorf("event without a start: %v", err)
			}
			summaries = append(summaries, s+" @ "+start.Format("2006-01-02"))
		}
		got := strings.Join(summaries, " | ")
		for _, want := range []string{"Due: invoice N-1 from Northwind Supplies (USD 1,250.00) @ 2026-11-16",
			"Due: invoice C-1 from Contoso Paper (USD 99.00) @ 2026-12-02",
			"Promised: pay invoice C-1 to Contoso Paper (USD 99.00) @ " + civil.Of(h.now).AddDays(4).String()} {
			if !strings.Contains(got, want) {
				t.Errorf("the feed lacks %q: %s", want, got)
			}
		}
		if len(summaries) != 3 || strings.Contains(r.body, "X-1") || strings.Contains(r.body, "ap@other") {
			t.Errorf("the feed holds something not the payer's: %s", got)
		}
		b.post("/portal/settings/calendar/revoke", nil, "/portal/settings")
		if r := h.browser().get(feed); r.status != http.StatusNotFound {
			t.Errorf("a revoked feed answers %d", r.status)
		}
	})
}

// The agent's queue: tabs, search by invoice and customer, late flags.
func TestVendorQueueTabsAndSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		ctx := context.Background()
		north := h.vendor("Northwind Supplies")
		n1 := h.invoice(north, "N-1", "ap@acme.example", 125000, "2026-11-16")
		n2 := h.invoice(north, "N-2", "ap@globex.example", 40000, "2026-11-20")
		n3 := h.invoice(north, "N-3", "ap@acme.example", 30000, "2026-11-26")
		alice := h.member(north, "alice@northwind.example", vendors.RoleAgent)
		q1, err := h.threads.AskQuestion(ctx, h.payerID("ap@acme.example"), n1, "Which PO?")
		if err != nil {
			t.Fatal(err)
		}
		h.now = h.now.Add(30 * time.Hour)
		q2, err := h.threads.AskQuestion(ctx, h.payerID("ap@globex.example"), n2, "Is VAT included?")
		if err != nil {
			t.Fatal(err)
		}
		q3, err := h.threads.AskQuestion(ctx, h.payerID("ap@acme.example"), n3, "Duplicate?")
		if err != nil {
			t.Fatal(err)
		}
		if err := h.threads.AssignThread(ctx, north, q2.ID, alice.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := h.threads.ResolveThread(ctx, north, q3.ID, "answered", "Yes, a duplicate: voided."); err != nil {
			t.Fatal(err)
		}
		b := h.vendorSignIn("alice@northwind.example")
		link := func(id int64) string { return `href="/vendor/threads/` + itoa(id) + `"` }
		for _, c := range []struct {
			path      string
			want, not []int64
		}{
			{"/vendor", []int64{q1.ID, q2.ID}, []int64{q3.ID}},
			{"/vendor?tab=mine", []int64{q2.ID}, []int64{q1.ID, q3.ID}},
			{"/vendor?tab=unassigned", []int64{q1.ID}, []int64{q2.ID, q3.ID}},
			{"/vendor?tab=resolved", []int64{q3.ID}, []int64{q1.ID, q2.ID}},
			{"/vendor?q=n-2", []int64{q2.ID}, []int64{q1.ID}},
			{"/vendor?q=globex", []int64{q2.ID}, []int64{q1.ID}},
		} {
			body := b.get(c.path).body
			for _, id := range c.want {
				if !strings.Contains(body, link(id)) {
					t.Errorf("%s lacks thread %d", c.path, id)
				}
			}
			for _, id := range c.not {
				if strings.Contains(body, link(id)) {
					t.Errorf("%s shows thread %d", c.path, id)
				}
			}
		}
		open := b.get("/vendor").body
		if strings.Count(open, "Over the reply target (1 business day)") != 1 || strings.Index(open, link(q1.ID)) > strings.Index(open, "Over the reply target (1 business day)") {
			t.Error("only N-1's question, waiting 30 hours, should be flagged late")
		}
		newest := b.get("/vendor?sort=newest").body
		if strings.Index(newest, link(q2.ID)) > strings.Index(newest, link(q1.ID)) {
			t.Error("newest first does not list the newer question first")
		}
	})
}

// An internal note stays with the vendor's team.
func TestInternalNotesStayWithTheTeam(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		ctx := context.Background()
		north := h.vendor("Northwind Supplies")
		inv := h.invoice(north, "N-1", "ap@acme.example", 125000, "2026-11-16")
		alice := h.member(north, "alice@northwind.example", vendors.RoleAgent)
		q, err := h.threads.AskQuestion(ctx, h.payerID("ap@acme.example"), inv, "Which PO?")
		if err != nil {
			t.Fatal(err)
		}
		before := len(h.events(north))
		agent := h.vendorSignIn("alice@northwind.example")
		path := "/vendor/threads/" + itoa(q.ID)
		r := agent.post(path+"/notes", url.Values{"note": {"Ask Dana in purchasing before answering."}}, path)
		if r.status != http.StatusSeeOther {
			t.Fatalf("note: %d %s", r.status, r.body)
		}
		mustContain(t, "thread page", agent.get(path).body, "Ask Dana in purchasing before answering.", alice.Label()+" · ")
		if r := agent.post(path+"/notes", url.Values{"note": {"  "}}, path); r.status != http.StatusUnprocessableEntity {
			t.Errorf("an empty note: %d", r.status)
		}
		mustNotContain(t, "the payer's invoice page", h.signIn("ap@acme.example").get(invoicePath(inv)).body, "Ask Dana")
		if after := len(h.events(north)); after != before {
			t.Errorf("a note wrote %d events", after-before)
		}
		for _, m := range h.messages() {
			if strings.Contains(m.Text, "Ask Dana") {
				t.Errorf("a note was emailed: %s", m.Subject)
			}
		}
	})
}

// Invoices ticked in the inbox arrive ticked on the payment form.
func TestReportPaymentForSeveralFromTheInbox(t *testing.T) {
	h := newPortalHub(t, dbtest.SQLite(t))
	north, contoso := h.vendor("Northwind Supplies"), h.vendor("Contoso Paper")
	n1 := h.invoice(north, "N-1", "ap@acme.example", 125000, "2026-11-16")
	c1 := h.invoice(contoso, "C-1", "ap@acme.example", 9900, "2026-11-21")
	n2 := h.invoice(north, "N-2", "ap@acme.example", 40000, "2026-11-20")
	b := h.signIn("ap@acme.example")
	mustContain(t, "inbox", b.get("/portal").body, `form="pay-several" name="invoice" value="`+itoa(n1)+`"`,
		`<button type="submit" form="pay-several"`)
	page := b.get("/portal/payments/new?invoice=" + itoa(n1) + "&invoice=" + itoa(c1)).body
	for id, want := range map[int64]bool{n1: true, c1: true, n2: false} {
		ticked := regexp.MustCompile(`value="` + itoa(id) + `"[^>]*checked`).MatchString(page)
		if ticked != want {
			t.Errorf("invoice %d ticked %v, want %v", id, ticked, want)
		}
	}
	if r := b.get("/portal/payments/new?invoice=" + itoa(n1) + "&invoice=nope"); r.status != http.StatusNotFound {
		t.Errorf("a damaged invoice id: %d", r.status)
	}
}
