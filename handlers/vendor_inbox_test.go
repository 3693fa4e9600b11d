package handlers

import (
	"context"
	"net/http"
	"net/url"
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

// inboxWorld is two vendors billing one payer, with something in every
// queue of the first and a question for the second.
type inboxWorld struct {
	h                  *portalHub
	north, contoso     int64
	payer              int64
	question, dispute  threads.Thread
	contosoQuestion    threads.Thread
	report             payers.PaymentReport
	n1, n2, n3, n4, c1 int64
}

func newInboxWorld(t *testing.T, db *database.DB) *inboxWorld {
	t.Helper()
	ctx := context.Background()
	h := newPortalHub(t, db)
	w := &inboxWorld{h: h, north: h.vendor("Northwind Supplies"), contoso: h.vendor("Contoso Paper")}
	w.n1 = h.invoice(w.north, "N-1", "ap@acme.example", 125000, "2026-11-16")
	w.n2 = h.invoice(w.north, "N-2", "ap@acme.example", 40000, "2026-11-20")
	w.n3 = h.invoice(w.north, "N-3", "ap@acme.example", 9900, "2026-11-30")
	w.n4 = h.invoice(w.north, "N-4", "ap@acme.example", 5000, "2026-11-30")
	h.invoice(w.north, "N-5", "ap@bounced.example", 7000, "2026-11-30")
	// Contoso knows the same payer under its own customer record.
	amount := int64(31000)
	if _, err := h.vendors.PushInvoices(ctx, w.contoso, []vendors.InvoiceInput{{ExternalID: "C-1", Number: "C-1", Currency: "USD",
		AmountDue: &amount, DueDate: "2026-11-21", Customer: vendors.CustomerInput{ExternalID: "CONTOSO-77",
			Name: "Acme Holdings per Contoso", Email: "ap@acme.example"}}}); err != nil {
		t.Fatal(err)
	}
	inv, _ := h.vendors.GetInvoice(ctx, w.contoso, "C-1")
	w.c1 = inv.ID
	w.payer = h.payerID("ap@acme.example")

	var err error
	if w.question, err = h.threads.AskQuestion(ctx, w.payer, w.n1, "Which PO does N-1 belong to?"); err != nil {
		t.Fatal(err)
	}
	if w.dispute, err = h.threads.OpenDispute(ctx, w.payer, w.n2, "quantity", 25000, "We received 10 pallets, not 12."); err != nil {
		t.Fatal(err)
	}
	if w.contosoQuestion, err = h.threads.AskQuestion(ctx, w.payer, w.c1, "Contoso: why the fuel surcharge?"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.payers.Promise(ctx, w.payer, w.n3, civil.Of(h.now).AddDays(3), 0); err != nil {
		t.Fatal(err)
	}
	reports, err := h.payers.ReportPayment(ctx, w.payer, payers.Report{Method: "bank_transfer", Reference: "WIRE-5521",
		PaidOn: civil.Of(h.now), Lines: []payers.ReportLine{{InvoiceID: w.n4, Amount: 5000}}})
	if err != nil {
		t.Fatal(err)
	}
	w.report = reports[0]
	if err := h.payers.Suppress(ctx, "email", "ap@bounced.example", payers.SuppressBounce, "550 mailbox unavailable"); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *inboxWorld) threadURL(id int64) string { return "/vendor/threads/" + strconvI(id) }

func TestVendorInboxQueuesAreScoped(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newInboxWorld(t, db)
		h := w.h
		h.member(w.north, "alice@northwind.example", vendors.RoleAgent)
		h.member(w.contoso, "carol@contoso.example", vendors.RoleAgent)

		north := h.vendorSignIn("alice@northwind.example").get("/vendor")
		if north.status != http.StatusOK {
			t.Fatalf("north inbox: %d", north.status)
		}
		mustContain(t, "Northwind's inbox", north.body, "Invoice N-1", "Invoice N-2", "Quantity is wrong", "USD 250.00",
			"Awaiting your reply", "N-3", "Due", "N-4", "WIRE-5521", "Confirm received", "ap@bounced.example", "Bounced")
		mustNotContain(t, "Northwind's inbox", north.body, "C-1", "Contoso", "CONTOSO-77", "550 mailbox")

		contoso := h.vendorSignIn("carol@contoso.example").get("/vendor")
		mustContain(t, "Contoso's inbox", contoso.body, "Invoice C-1", "Acme Holdings per Contoso")
		mustNotContain(t, "Contoso's inbox", contoso.body, "N-1", "N-2", "N-3", "N-4", "WIRE-5521", "bounced.example", "Northwind")

		// The thread page: the invoice, the customer as this vendor pushed it
		// and the conversation; nothing of the payer's other vendor.
		page := h.vendorSignIn("alice@northwind.example").get(w.threadURL(w.question.ID))
		mustContain(t, "question page", page.body, "Question on invoice N-1", "USD 1,250.00", "16 Nov 2026",
			"C-ap@acme.example", "Acme", "ap@acme.example", "Which PO does N-1 belong to?")
		mustNotContain(t, "question page", page.body, "Contoso", "CONTOSO-77", "fuel surcharge")

		// Once the promise's day passes unpaid it shows as broken.
		h.now = h.now.Add(5 * 24 * time.Hour)
		if _, err := h.payers.BreakPromises(context.Background(), h.now); err != nil {
			t.Fatal(err)
		}
		mustContain(t, "inbox after a broken promise", h.vendorSignIn("alice@northwind.example").get("/vendor").body, "<span class=\"bad\">Broken ", " Nov 2026</span>")
	})
}

func TestVendorAnswersReachThePayer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newInboxWorld(t, db)
		h := w.h
		alice := h.member(w.north, "alice@northwind.example", vendors.RoleAgent)
		h.member(w.north, "bob@northwind.example", vendors.RoleAgent)
		b := h.vendorSignIn("alice@northwind.example")
		payer := h.signIn("ap@acme.example")
		ctx := context.Background()

		if r := b.post(w.threadURL(w.question.ID)+"/reply", url.Values{"body": {"   "}}, w.threadURL(w.question.ID)); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("blank reply: %d", r.status)
		}
		if got := h.thread(w.north, w.question.ID); len(got.Messages) != 1 || got.State != threads.ThreadOpen {
			t.Fatalf("a blank reply changed the thread: %+v", got)
		}

		h.now = h.now.Add(2 * time.Hour)
		r := b.post(w.threadURL(w.question.ID)+"/reply", url.Values{"body": {"It is PO 4471, signed by Dana."}}, w.threadURL(w.question.ID))
		if r.status != http.StatusSeeOther || !strings.HasSuffix(r.location, "?done=reply") {
			t.Fatalf("reply: %d %s %s", r.status, r.location, r.body)
		}
		q := h.thread(w.north, w.question.ID)
		if q.State != threads.ThreadAnswered || len(q.Messages) != 2 || q.FirstResponseAt == nil {
			t.Fatalf("after the reply the thread is %+v", q)
		}
		mustContain(t, "payer's invoice page", payer.get("/portal/invoices/"+strconvI(w.n1)).body, "It is PO 4471, signed by Dana.")
		if mails := h.mailsTo("ap@acme.example"); len(mails) == 0 || !strings.Contains(mails[0].Subject, "answered your question") {
			t.Fatalf("the payer was not emailed the answer: %+v", mails)
		}

		r = b.post(w.threadURL(w.question.ID)+"/assign", url.Values{"member_id": {strconvI(alice.ID)}}, w.threadURL(w.question.ID))
		if r.status != http.StatusSeeOther {
			t.Fatalf("assign: %d", r.status)
		}
		if got, _ := h.threads.ThreadAssignees(ctx, w.north, []int64{w.question.ID}); got[w.question.ID] != alice.ID {
			t.Fatalf("assignees = %v", got)
		}
		mustContain(t, "inbox", b.get("/vendor").body, "alice")

		h.now = h.now.Add(3 * time.Hour)
		r = b.post(w.threadURL(w.dispute.ID)+"/resolve", url.Values{"outcome": {"credit_issued"}, "note": {"Credit note CN-9 covers the 2 pallets."}},
			w.threadURL(w.dispute.ID))
		if r.status != http.StatusSeeOther {
			t.Fatalf("resolve: %d %s", r.status, r.body)
		}
		d := h.thread(w.north, w.dispute.ID)
		if d.State != threads.ThreadResolved || d.Outcome != "credit_issued" || d.ResolvedAt == nil {
			t.Fatalf("after resolving the dispute is %+v", d)
		}
		if inv, _ := h.payers.Invoice(ctx, w.payer, w.n2); inv.HoldKind != "" {
			t.Fatalf("the invoice is still on hold: %q", inv.HoldKind)
		}
		page := payer.get("/portal/invoices/" + strconvI(w.n2))
		mustContain(t, "payer's disputed invoice", page.body, "Credit note CN-9 covers the 2 pallets.", "Resolved")
		mustNotContain(t, "payer's disputed invoice", page.body, `class="hold">Disputed`)

		if r := b.post(w.threadURL(w.dispute.ID)+"/resolve", url.Values{"outcome": {"rejected"}}, w.threadURL(w.dispute.ID)); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("resolving twice: %d", r.status)
		}
		if r := b.post(w.threadURL(w.question.ID)+"/resolve", url.Values{"outcome": {"shrug"}}, w.threadURL(w.question.ID)); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("unknown outcome: %d", r.status)
		}

		// Medians over the last 30 days: first replies after 2 h (question)
		// and 5 h (the dispute, answered by its resolution); one resolution
		// after 5 h.
		inbox := b.get("/vendor").body
		mustContain(t, "response times", inbox, "3 h 30 min", "2 threads", "5 h 0 min", "1 thread,")

		r = b.post("/vendor/payments/"+strconvI(w.report.ID)+"/confirm", nil, "/vendor")
		if r.status != http.StatusSeeOther {
			t.Fatalf("confirm payment: %d", r.status)
		}
		pays, _ := h.payers.VendorPayments(ctx, w.north, payers.VendorPaymentFilter{})
		if len(pays) != 1 || pays[0].ConfirmedAt == nil {
			t.Fatalf("payment not confirmed: %+v", pays)
		}
		mustNotContain(t, "inbox after confirming", b.get("/vendor").body, "WIRE-5521")
	})
}

func TestVendorCrossVendorWalk(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newInboxWorld(t, db)
		h := w.h
		ctx := context.Background()
		alice := h.member(w.north, "alice@northwind.example", vendors.RoleAdmin)
		h.member(w.contoso, "carol@contoso.example", vendors.RoleAdmin)
		carol := h.vendorSignIn("carol@contoso.example")
		eventsBefore := len(h.events(w.north))

		for _, step := range []struct {
			method, path string
			form         url.Values
		}{
			{"GET", w.threadURL(w.question.ID), nil},
			{"GET", w.threadURL(w.dispute.ID), nil},
			{"POST", w.threadURL(w.question.ID) + "/reply", url.Values{"body": {"Contoso was here"}}},
			{"POST", w.threadURL(w.dispute.ID) + "/resolve", url.Values{"outcome": {"rejected"}, "note": {"no"}}},
			{"POST", w.threadURL(w.question.ID) + "/assign", url.Values{"member_id": {"0"}}},
			// Contoso's own thread, given to Northwind's member.
			{"POST", w.threadURL(w.contosoQuestion.ID) + "/assign", url.Values{"member_id": {strconvI(alice.ID)}}},
			{"POST", "/vendor/payments/" + strconvI(w.report.ID) + "/confirm", nil},
			{"POST", "/vendor/members/" + strconvI(alice.ID) + "/disable", nil},
			{"GET", "/vendor/threads/not-a-number", nil},
		} {
			var r webPage
			if step.method == "GET" {
				r = carol.get(step.path)
			} else {
				r = carol.post(step.path, step.form, "/vendor")
			}
			if r.status != http.StatusNotFound {
				t.Errorf("%s %s as Contoso: %d, want 404", step.method, step.path, r.status)
			}
			mustNotContain(t, step.path, r.body, "Which PO", "pallets", "WIRE-5521", "alice@northwind.example")
		}

		if q := h.thread(w.north, w.question.ID); q.State != threads.ThreadOpen || len(q.Messages) != 1 {
			t.Errorf("Northwind's question changed: %+v", q)
		}
		if d := h.thread(w.north, w.dispute.ID); d.State != threads.ThreadOpen || d.Outcome != "" {
			t.Errorf("Northwind's dispute changed: %+v", d)
		}
		if got, _ := h.threads.ThreadAssignees(ctx, w.contoso, []int64{w.contosoQuestion.ID}); len(got) != 0 {
			t.Errorf("Contoso's thread was given to Northwind's member: %v", got)
		}
		if pays, _ := h.payers.VendorPayments(ctx, w.north, payers.VendorPaymentFilter{}); pays[0].ConfirmedAt != nil {
			t.Error("Northwind's payment was confirmed by Contoso")
		}
		if m, _ := h.vendors.Member(ctx, w.north, alice.ID); !m.Active() {
			t.Error("Contoso disabled Northwind's member")
		}
		if n := len(h.events(w.north)); n != eventsBefore {
			t.Errorf("Northwind got %d new events from Contoso's walk", n-eventsBefore)
		}
		// Nor does Contoso's team page or member list name Northwind's team.
		mustNotContain(t, "Contoso's team page", carol.get("/vendor/members").body, "alice@northwind.example")
		var list memberList
		h.api().do("GET", "/v1/members", h.apiKey(w.contoso), nil).json(t, &list)
		if len(list.Data) != 1 || list.Data[0].Email != "carol@contoso.example" {
			t.Errorf("Contoso's /v1/members = %+v", list.Data)
		}
	})
}

func TestPayerAndMemberSessionsAreSeparate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north := h.vendor("Northwind Supplies")
		h.invoice(north, "N-1", "ap@acme.example", 1000, "2026-11-30")
		h.member(north, "alice@northwind.example", vendors.RoleAdmin)

		payer := h.signIn("ap@acme.example")
		if r := payer.get("/vendor"); r.status != http.StatusSeeOther || r.location != "/vendor/signin" {
			t.Fatalf("a payer's session opened /vendor: %d %s", r.status, r.location)
		}
		member := h.vendorSignIn("alice@northwind.example")
		if r := member.get("/portal"); r.status != http.StatusUnauthorized {
			t.Fatalf("a member's session opened /portal: %d", r.status)
		}

		// Even carried under the other's name, a cookie's signature does not
		// pass: each is signed for its own purpose.
		srv, _ := url.Parse(h.srv.URL)
		payerValue := cookieValue(t, payer, h.srv.URL+"/portal", sessionCookie)
		memberValue := cookieValue(t, member, h.srv.URL+"/vendor", vendorCookie)
		forged := h.browser()
		forged.client.Jar.SetCookies(srv, []*http.Cookie{{Name: vendorCookie, Value: payerValue, Path: "/"}, {Name: sessionCookie, Value: memberValue, Path: "/"}})
		if r := forged.get("/vendor"); r.status != http.StatusSeeOther {
			t.Fatalf("a payer's cookie under the member cookie's name opened /vendor: %d", r.status)
		}
		if r := forged.get("/portal"); r.status != http.StatusUnauthorized {
			t.Fatalf("a member's cookie under the payer cookie's name opened /portal: %d", r.status)
		}
	})
}

func cookieValue(t *testing.T, b *browser, at, name string) string {
	t.Helper()
	u, _ := url.Parse(at)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	t.Fatalf("no %s cookie for %s", name, at)
	return ""
}

func TestVendorFormsNeedTheSessionsCSRFToken(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newInboxWorld(t, db)
		h := w.h
		h.member(w.north, "alice@northwind.example", vendors.RoleAdmin)
		bob := h.member(w.north, "bob@northwind.example", vendors.RoleAgent)
		alice := h.vendorSignIn("alice@northwind.example")
		bobsToken := csrfOf(t, h.vendorSignIn("bob@northwind.example").get("/vendor").body)

		for _, token := range []string{"", "deadbeef", bobsToken} {
			for _, post := range []struct {
				path string
				form url.Values
			}{
				{w.threadURL(w.question.ID) + "/reply", url.Values{"body": {"forged"}}},
				{w.threadURL(w.dispute.ID) + "/resolve", url.Values{"outcome": {"rejected"}}},
				{w.threadURL(w.question.ID) + "/assign", url.Values{"member_id": {strconvI(bob.ID)}}},
				{"/vendor/payments/" + strconvI(w.report.ID) + "/confirm", url.Values{}},
				{"/vendor/members", url.Values{"email": {"eve@evil.example"}, "role": {"admin"}}},
				{"/vendor/members/" + strconvI(bob.ID) + "/disable", url.Values{}},
			} {
				post.form.Set("csrf", token)
				if token == "" {
					post.form.Del("csrf")
				}
				if r := alice.post(post.path, post.form, ""); r.status != http.StatusForbidden {
					t.Errorf("POST %s with csrf %q: %d, want 403", post.path, token, r.status)
				}
			}
		}
		if q := h.thread(w.north, w.question.ID); len(q.Messages) != 1 {
			t.Error("a forged reply was stored")
		}
		if d := h.thread(w.north, w.dispute.ID); d.State == threads.ThreadResolved {
			t.Error("a forged resolution was stored")
		}
		if ms, _ := h.vendors.Members(context.Background(), w.north); len(ms) != 2 || !ms[1].Active() || !ms[0].Active() {
			t.Errorf("forged member changes were stored: %+v", ms)
		}
	})
}

// TestVendorInboxReminders: per customer, when a digest last carried the
// vendor's own invoices and when the payer's next digest window is. The
// payer acted five times on Monday at 10:00 UTC, so its rhythm is learned:
// Mondays 10:00. A digest that carried only Northwind's invoice shows in
// Northwind's inbox, never in Contoso's.
func TestVendorInboxReminders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newInboxWorld(t, db)
		h := w.h
		h.member(w.north, "alice@northwind.example", vendors.RoleAgent)
		h.member(w.contoso, "carol@contoso.example", vendors.RoleAgent)
		sent := time.Date(2026, 11, 17, 9, 0, 5, 0, time.UTC)
		err := db.Gorm.Exec(`INSERT INTO digests (payer_id, channel, slot, status, invoice_ids, created_at, updated_at, sent_at)
			VALUES (?, 'email', ?, 'sent', ?, ?, ?, ?)`, w.payer, sent.Truncate(time.Hour), strconvI(w.n1), sent, sent, sent).Error
		if err != nil {
			t.Fatal(err)
		}
		north := h.vendorSignIn("alice@northwind.example").get("/vendor").body
		mustContain(t, "Northwind's inbox", north, "Reminders by customer", "17 Nov 2026, 09:00", "30 Nov 2026, 10:00")
		contoso := h.vendorSignIn("carol@contoso.example").get("/vendor").body
		mustContain(t, "Contoso's inbox", contoso, "Reminders by customer", "Acme Holdings per Contoso", "Not yet", "30 Nov 2026, 10:00")
		mustNotContain(t, "Contoso's inbox", contoso, "17 Nov 2026, 09:00")

		// Issue 11: a digest on Thursday (carrying another vendor's invoices)
		// puts Monday's window within the rhythm's 6 days: the next one is
		// the Monday after.
		thursday := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
		err = db.Gorm.Exec(`INSERT INTO digests (payer_id, channel, slot, status, invoice_ids, created_at, updated_at, sent_at)
			VALUES (?, 'email', ?, 'sent', '', ?, ?, ?)`, w.payer, thursday, thursday, thursday, thursday).Error
		if err != nil {
			t.Fatal(err)
		}
		north = h.vendorSignIn("alice@northwind.example").get("/vendor").body
		mustContain(t, "Northwind's inbox after Thursday's digest", north, "17 Nov 2026, 09:00", "7 Dec 2026, 10:00")
		mustNotContain(t, "Northwind's inbox after Thursday's digest", north, "30 Nov 2026, 10:00")
	})
}
