package handlers

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
)

// Issue 13, second part: unsubscribes are suppressions; mutes, pauses and
// unsubscribes reach the vendors.

// The one-click unsubscribe header of a real digest suppresses every
// address the digest went to: the next pass sends nothing, the vendors
// hear of it (contact.unsubscribed) and list the address among the
// contacts they cannot reach, and turning email on again in settings
// brings the digests back.
func TestUnsubscribeFromADigestIsASuppression(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		ctx := context.Background()
		h.now = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC) // a Tuesday, the default rhythm's day
		north, contoso := h.vendor("Northwind Supplies"), h.vendor("Contoso")
		h.invoice(north, "N-1", "ap@acme.example", 125000, "2026-11-20")
		h.invoice(contoso, "C-1", "ap@acme.example", 5000, "2026-11-27")
		payer := h.payerID("ap@acme.example")
		if _, err := h.payers.AddContact(ctx, payer, "email", "boss@acme.example", payers.RoleCC); err != nil {
			t.Fatal(err)
		}
		h.member(north, "alice@northwind.example", vendors.RoleAgent)

		h.runDigests()
		digests := h.messagesTo("ap@acme.example")
		if len(digests) != 1 || !slices.Contains(digests[0].CC, "boss@acme.example") {
			t.Fatalf("first pass: %d digests to ap@ %+v", len(digests), digests)
		}
		header := digests[0].Headers["List-Unsubscribe"]
		unsub := strings.TrimPrefix(strings.Trim(header, "<>"), h.srv.URL)
		if !strings.HasPrefix(unsub, "/l/") {
			t.Fatalf("List-Unsubscribe %q", header)
		}
		// RFC 8058: the mail client POSTs, with no session.
		r := h.browser().post(unsub, url.Values{"List-Unsubscribe": {"One-Click"}}, "")
		if r.status != 200 {
			t.Fatalf("one-click unsubscribe: %d", r.status)
		}
		mustContain(t, "the unsubscribed page", r.body, "You are unsubscribed", "Open your settings")
		settings := r.body[strings.Index(r.body, `<a href="`)+len(`<a href="`):]
		for strings.Contains(settings, `<a href="`) && !strings.Contains(settings[:strings.Index(settings, `"`)], "/l/") {
			settings = settings[strings.Index(settings, `<a href="`)+len(`<a href="`):]
		}
		settings = strings.TrimPrefix(settings[:strings.Index(settings, `"`)], h.srv.URL)

		rcpt, err := h.payers.Recipients(ctx, payer)
		if err != nil || len(rcpt.To)+len(rcpt.CC) != 0 {
			t.Fatalf("after unsubscribing the digest still goes to %+v (%v)", rcpt, err)
		}
		for _, v := range []int64{north, contoso} {
			evs := h.vendorEvents(v, vendors.EventContactUnsubscribe)
			if len(evs) != 1 || !strings.Contains(evs[0], `"address":"ap@acme.example"`) || !strings.Contains(evs[0], `"reason":"unsubscribe"`) {
				t.Errorf("vendor %d: contact.unsubscribed events %v", v, evs)
			}
		}
		agent := h.vendorSignIn("alice@northwind.example")
		inbox := agent.get("/vendor").body
		mustContain(t, "the vendor inbox", inbox, "ap@acme.example", "Unsubscribed")

		// A week on, something new: nothing goes out.
		h.now = h.now.Add(7 * 24 * time.Hour)
		h.invoice(north, "N-2", "ap@acme.example", 3000, "2026-12-05")
		before := len(h.messages())
		h.runDigests()
		if n := len(h.messages()) - before; n != 0 {
			t.Fatalf("%d messages after unsubscribing", n)
		}

		// The settings link turns email back on and lifts the suppression.
		b := h.browser()
		if r := b.get(settings); r.status != http.StatusSeeOther || r.location != "/portal/settings" {
			t.Fatalf("the settings link %q: %d %q", settings, r.status, r.location)
		}
		if r := b.post("/portal/settings", url.Values{"timezone": {"UTC"}, "cadence": {"rhythm"}, "weekday": {"2"}, "run_days": {""},
			"hour": {"9"}, "minute": {"0"}, "min_interval": {"3"}, "email": {"on"}}, "/portal/settings"); r.status != http.StatusSeeOther {
			t.Fatalf("save settings: %d\n%s", r.status, r.body)
		}
		if rcpt, _ := h.payers.Recipients(ctx, payer); len(rcpt.To) != 1 || len(rcpt.CC) != 1 {
			t.Fatalf("email turned on again, recipients %+v", rcpt)
		}
		h.now = h.now.Add(7 * 24 * time.Hour)
		h.invoice(north, "N-3", "ap@acme.example", 3000, "2026-12-12")
		h.runDigests()
		if n := len(h.messagesTo("ap@acme.example")); n != 2 {
			t.Fatalf("after resubscribing: %d digests in all, want 2", n)
		}
	})
}

// The customer page shows one customer's invoices, reminders, threads,
// promises, payments and everything its payer did, the thread page the
// latest of it; another vendor's member gets the not-found page. Mutes go
// to the muted vendor only, pauses to every vendor of the payer.
func TestVendorCustomerPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		ctx := context.Background()
		north, contoso := h.vendor("Northwind Supplies"), h.vendor("Contoso")
		n1 := h.invoice(north, "N-1", "ap@acme.example", 125000, "2026-11-16")
		n2 := h.invoice(north, "N-2", "ap@acme.example", 40000, "2026-12-01")
		h.invoice(contoso, "CT-9", "ap@acme.example", 5000, "2026-11-27")
		payer := h.payerID("ap@acme.example")
		h.member(north, "alice@northwind.example", vendors.RoleAgent)
		h.member(contoso, "bob@contoso.example", vendors.RoleAgent)
		var customer int64
		if err := db.Gorm.Table("customers").Select("id").Where("vendor_id = ?", north).Scan(&customer).Error; err != nil {
			t.Fatal(err)
		}
		check := func(what string, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
		_, err := h.payers.PayClicked(ctx, payer, n1)
		check("pay", err)
		q, err := h.threads.AskQuestion(ctx, payer, n1, "Which PO is this for?")
		check("ask", err)
		_, err = h.payers.Promise(ctx, payer, n2, civil.Date{Year: 2026, Month: time.December, Day: 4}, 0)
		check("promise", err)
		_, err = h.payers.ReportPayment(ctx, payer, payers.Report{Method: "bank_transfer", Reference: "WIRE 7",
			PaidOn: civil.Date{Year: 2026, Month: time.November, Day: 22}, Lines: []payers.ReportLine{{InvoiceID: n1, Amount: 1000}}})
		check("report", err)
		check("mute", h.payers.MuteVendor(ctx, payer, north))
		check("unmute", h.payers.UnmuteVendor(ctx, payer, north))
		check("pause", h.payers.PauseUntil(ctx, payer, time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)))
		check("resume", h.payers.Resume(ctx, payer))

		for typ, want := range map[string][2]int{vendors.EventPayerMuted: {1, 0}, vendors.EventPayerUnmuted: {1, 0},
			vendors.EventPayerPaused: {1, 1}, vendors.EventPayerResumed: {1, 1}} {
			if n, m := len(h.vendorEvents(north, typ)), len(h.vendorEvents(contoso, typ)); n != want[0] || m != want[1] {
				t.Errorf("%s: Northwind %d, Contoso %d events, want %v", typ, n, m, want)
			}
		}
		if evs := h.vendorEvents(north, vendors.EventPayerPaused); len(evs) == 1 && !strings.Contains(evs[0], `"last_paused_day":"2026-12-04"`) {
			t.Errorf("payer.paused %s", evs[0])
		}

		_, err = h.payers.CustomerOverview(ctx, north, customer, h.now)
		check("overview", err)
		_, err = h.payers.CustomerActivity(ctx, north, customer, 10)
		check("activity", err)
		_, err = h.threads.VendorThreads(ctx, north, threads.VendorThreadFilter{CustomerID: customer})
		check("threads", err)
		_, err = h.payers.VendorPayments(ctx, north, payers.VendorPaymentFilter{CustomerID: customer})
		check("payments", err)
		alice := h.vendorSignIn("alice@northwind.example")
		page := "/vendor/customers/" + itoa(customer)
		r := alice.get(page)
		if r.status != 200 {
			t.Fatalf("customer page: %d\n%s", r.status, r.body)
		}
		mustContain(t, "the customer page", r.body, "N-1", "N-2", "overdue", "/vendor/threads/"+itoa(q.ID), "4 Dec 2026",
			"Awaiting your confirmation", "Went to pay invoice N-1", "Muted your reminders", "Unmuted your reminders",
			"Paused every reminder until 4 Dec 2026", "Resumed every reminder", "Next digest window")
		if strings.Contains(r.body, "CT-9") || strings.Contains(r.body, "Contoso") {
			t.Error("the customer page shows another vendor's invoice")
		}
		threadPage := "/vendor/threads/" + itoa(q.ID)
		if r := alice.post(threadPage+"/reply", url.Values{"body": {"PO 4471."}}, threadPage); r.status != http.StatusSeeOther {
			t.Fatalf("reply: %d", r.status)
		}
		th := alice.get(threadPage).body
		mustContain(t, "the thread page", th, `href="`+page+`"`, "Recent activity", "Went to pay invoice N-1",
			`<p class="msg vendor"><span class="who">alice · `)
		inbox := alice.get("/vendor").body
		if !strings.Contains(inbox, `href="`+page+`"`) {
			t.Error("the inbox does not link to the customer page")
		}
		mustContain(t, "the reported payments", inbox, `<td data-label="Customer">Acme</td><td data-label="Invoices">N-1</td>`, "22 Nov 2026")

		bob := h.vendorSignIn("bob@contoso.example")
		for _, p := range []string{page, "/vendor/customers/0", "/vendor/customers/x"} {
			if r := bob.get(p); r.status != http.StatusNotFound || strings.Contains(r.body, "N-1") {
				t.Errorf("Contoso's member opens %s: %d", p, r.status)
			}
		}
	})
}

// Saved replies: created, refused with the error next to the field and
// the text kept, inserted into a thread's reply with a plain GET, changed
// and deleted; another vendor's member can neither use nor change them.
func TestSavedReplies(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		ctx := context.Background()
		north, contoso := h.vendor("Northwind Supplies"), h.vendor("Contoso")
		n1 := h.invoice(north, "N-1", "ap@acme.example", 125000, "2026-11-16")
		c1 := h.invoice(contoso, "CT-1", "ap@acme.example", 5000, "2026-11-27")
		payer := h.payerID("ap@acme.example")
		h.member(north, "alice@northwind.example", vendors.RoleAgent)
		h.member(contoso, "bob@contoso.example", vendors.RoleAgent)
		q, err := h.threads.AskQuestion(ctx, payer, n1, "Which PO is this for?")
		if err != nil {
			t.Fatal(err)
		}
		qc, err := h.threads.AskQuestion(ctx, payer, c1, "And this one?")
		if err != nil {
			t.Fatal(err)
		}
		alice := h.vendorSignIn("alice@northwind.example")
		const text = "Thank you: the PO number is on page 2 of the invoice."
		r := alice.post("/vendor/replies", url.Values{"title": {""}, "body": {text}}, "/vendor/replies")
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("empty title: %d", r.status)
		}
		mustContain(t, "the refused form", r.body, `id="new-title-error"`, `aria-describedby="new-title-error"`, text)
		if r := alice.post("/vendor/replies", url.Values{"title": {"PO number"}, "body": {text}}, "/vendor/replies"); r.status != http.StatusSeeOther {
			t.Fatalf("save: %d\n%s", r.status, r.body)
		}
		if r := alice.post("/vendor/replies", url.Values{"title": {"PO number"}, "body": {"again"}}, "/vendor/replies"); r.status != http.StatusUnprocessableEntity ||
			!strings.Contains(r.body, "is the title of another saved reply") {
			t.Fatalf("a second reply with the same title: %d", r.status)
		}
		rs, err := h.threads.SavedReplies(ctx, north)
		if err != nil || len(rs) != 1 {
			t.Fatalf("saved replies %v %v", rs, err)
		}
		id := itoa(rs[0].ID)
		page := "/vendor/threads/" + itoa(q.ID)
		if body := alice.get(page).body; !strings.Contains(body, `<option value="`+id+`">PO number</option>`) ||
			strings.Contains(body, `required>`+text+`</textarea>`) {
			t.Fatal("the thread page does not offer the saved reply, or fills it unasked")
		}
		mustContain(t, "the thread page with ?use", alice.get(page+"?use="+id).body, `required>`+text+`</textarea>`)

		bob := h.vendorSignIn("bob@contoso.example")
		if body := bob.get("/vendor/threads/" + itoa(qc.ID) + "?use=" + id).body; strings.Contains(body, text) {
			t.Error("Contoso's member inserted Northwind's saved reply")
		}
		if r := bob.post("/vendor/replies/"+id, url.Values{"title": {"Mine"}, "body": {"x"}}, "/vendor/replies"); r.status != http.StatusNotFound {
			t.Errorf("Contoso changes Northwind's saved reply: %d", r.status)
		}
		if r := bob.post("/vendor/replies/"+id+"/delete", nil, "/vendor/replies"); r.status != http.StatusNotFound {
			t.Errorf("Contoso deletes Northwind's saved reply: %d", r.status)
		}
		if strings.Contains(bob.get("/vendor/replies").body, "PO number") {
			t.Error("Contoso sees Northwind's saved replies")
		}

		if r := alice.post("/vendor/replies/"+id, url.Values{"title": {"PO number"}, "body": {"Page 2."}}, "/vendor/replies"); r.status != http.StatusSeeOther {
			t.Fatalf("change: %d", r.status)
		}
		if r, _ := h.threads.SavedReply(ctx, north, rs[0].ID); r.Body != "Page 2." {
			t.Fatalf("changed to %q", r.Body)
		}
		if r := alice.post("/vendor/replies/"+id+"/delete", nil, "/vendor/replies"); r.status != http.StatusSeeOther {
			t.Fatalf("delete: %d", r.status)
		}
		if rs, _ := h.threads.SavedReplies(ctx, north); len(rs) != 0 {
			t.Fatal("the saved reply is still there")
		}
	})
}

// The "Paid and closed" tab lists, per vendor, the payer's invoices closed
// in the last 12 months and the payments each vendor confirmed; nothing of
// another payer, nothing older.
func TestPaidAndClosedTab(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		ctx := context.Background()
		north, contoso := h.vendor("Northwind Supplies"), h.vendor("Contoso")
		n1 := h.invoice(north, "N-1", "ap@acme.example", 125000, "2026-11-16")
		old := h.invoice(north, "N-OLD", "ap@acme.example", 7000, "2025-09-01")
		c1 := h.invoice(contoso, "CT-1", "ap@acme.example", 5000, "2026-11-27")
		other := h.invoice(north, "N-OTHER", "ap@other.example", 9000, "2026-11-16")
		h.invoice(north, "N-OPEN", "ap@acme.example", 1000, "2026-12-16")
		payer := h.payerID("ap@acme.example")
		reports, err := h.payers.ReportPayment(ctx, payer, payers.Report{Method: "bank_transfer", Reference: "WIRE 7",
			PaidOn: civil.Date{Year: 2026, Month: time.November, Day: 22}, Lines: []payers.ReportLine{{InvoiceID: c1, Amount: 5000}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.payers.ConfirmPayment(ctx, contoso, reports[0].ID); err != nil {
			t.Fatal(err)
		}
		paid := h.now.Add(-48 * time.Hour)
		for id, at := range map[int64]time.Time{n1: paid, other: paid, old: h.now.AddDate(-1, -1, 0)} {
			if err := db.Gorm.Exec(`UPDATE invoices SET status = 'paid', amount_remaining = 0, paid_at = ?, updated_at = ? WHERE id = ?`, at, at, id).Error; err != nil {
				t.Fatal(err)
			}
		}
		b := h.signIn("ap@acme.example")
		mustContain(t, "the inbox", b.get("/portal").body, `href="/portal/paid"`)
		r := b.get("/portal/paid")
		if r.status != 200 {
			t.Fatalf("paid tab: %d", r.status)
		}
		mustContain(t, "the paid tab", r.body, "Northwind Supplies", "N-1", "21 Nov 2026", "Contoso", "CT-1",
			"Payments the vendor confirmed", "WIRE 7", "23 Nov 2026")
		mustNotContain(t, "the paid tab", r.body, "N-OTHER", "N-OLD", "N-OPEN")
	})
}
