package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/notify/outbox"
	"github.com/duehub/duehub/threads"
)

// api drives the portal hub's /v1 API like a vendor's system, each answer
// checked against the OpenAPI description.
func (h *portalHub) api() *hub {
	return &hub{t: h.t, db: h.db, vendors: h.vendors, srv: h.srv}
}

// apiKey creates an API key of the vendor.
func (h *portalHub) apiKey(vendorID int64) string {
	h.t.Helper()
	key, _, err := h.vendors.CreateKey(context.Background(), vendorID)
	if err != nil {
		h.t.Fatal(err)
	}
	return key
}

// answerEmails returns the outbox's answer notifications, oldest first.
func (h *portalHub) answerEmails() []outbox.Message {
	h.t.Helper()
	var out []outbox.Message
	msgs := h.messages()
	for i := len(msgs) - 1; i >= 0; i-- {
		if strings.HasPrefix(msgs[i].MessageID, "answer-") {
			out = append(out, msgs[i])
		}
	}
	return out
}

func threadsPath(id int64) string { return fmt.Sprintf("/v1/threads/%d", id) }

var portalLink = regexp.MustCompile(`https?://[^\s]+/l/[A-Za-z0-9_.-]+`)

func TestVendorAnswerReachesPayer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north := h.vendor("Northwind Supplies")
		key := h.apiKey(north)
		api := h.api()
		inv := h.invoice(north, "N-1", "ap@acme.example", 125000, "2026-11-20")
		b := h.signIn("ap@acme.example")
		if r := b.post(invoicePath(inv)+"/questions", url.Values{"body": {"Is PO 4471 on this one?"}}, invoicePath(inv)); r.status != http.StatusSeeOther {
			t.Fatalf("question: %d %s", r.status, r.body)
		}

		var list threadList
		r := api.do("GET", "/v1/threads?state=open&kind=question&invoice=N-1", key, nil)
		r.json(t, &list)
		if r.status != 200 || len(list.Data) != 1 || list.NextCursor != nil {
			t.Fatalf("GET /v1/threads: %d %s", r.status, r.body)
		}
		th := list.Data[0]
		if th.Kind != "question" || th.State != "open" || th.Invoice == nil || th.Invoice.ExternalID != "N-1" ||
			th.Customer == nil || th.Customer.Email != "ap@acme.example" || th.Messages != nil || th.FirstResponseAt != nil {
			t.Fatalf("listed thread: %s", r.body)
		}
		var full threadJSON
		api.do("GET", threadsPath(th.ID), key, nil).json(t, &full)
		if full.Messages == nil || len(*full.Messages) != 1 || (*full.Messages)[0].Body != "Is PO 4471 on this one?" {
			t.Fatalf("GET thread: %+v", full)
		}

		h.now = h.now.Add(5 * time.Minute)
		r = api.do("POST", threadsPath(th.ID)+"/messages", key, map[string]any{"body": "Yes: PO 4471 <b>covers</b> it.\nShips Friday."})
		r.json(t, &full)
		if r.status != 201 || full.State != "answered" || full.FirstResponseAt == nil || !full.FirstResponseAt.Equal(h.now) ||
			len(*full.Messages) != 2 || (*full.Messages)[1].Author != "vendor" {
			t.Fatalf("reply: %d %s", r.status, r.body)
		}

		page := b.get(invoicePath(inv))
		for _, want := range []string{`<p class="msg vendor"><span class="who">Northwind Supplies · 23 Nov 2026, 10:05</span>`,
			"Yes: PO 4471 &lt;b&gt;covers&lt;/b&gt; it.", "Answered · opened 23 Nov 2026"} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the payer's invoice page lacks %q", want)
			}
		}

		mails := h.answerEmails()
		if len(mails) != 1 {
			t.Fatalf("%d answer emails, want 1", len(mails))
		}
		m := mails[0]
		if m.Channel != notify.Email || len(m.To) != 1 || m.To[0] != "ap@acme.example" ||
			m.Subject != "Northwind Supplies answered your question on invoice N-1" || m.HTML != "" ||
			!strings.Contains(m.Text, "> Yes: PO 4471 <b>covers</b> it.\n> Ships Friday.\n") ||
			!strings.HasPrefix(m.Headers["List-Unsubscribe"], "<"+h.srv.URL+"/l/") {
			t.Fatalf("answer email: %+v", m)
		}
		link := portalLink.FindString(m.Text)
		if !strings.HasPrefix(link, h.srv.URL+"/l/") {
			t.Fatalf("no portal link in the email:\n%s", m.Text)
		}
		fresh := h.browser()
		// The link opens the conversation itself (issue 13).
		landing := fresh.get(strings.TrimPrefix(link, h.srv.URL))
		if landing.status != http.StatusSeeOther || !strings.HasPrefix(landing.location, "/portal/invoices/") || !strings.Contains(landing.location, "#thread-") {
			t.Fatalf("the email's link: %d → %q", landing.status, landing.location)
		}
		if page := fresh.get(strings.Split(landing.location, "#")[0]); page.status != 200 || !strings.Contains(page.body, "N-1") {
			t.Fatalf("the email's link does not open the payer's invoice: %d", page.status)
		}

		// A second answer within 10 minutes is in the portal, not emailed.
		h.now = h.now.Add(9 * time.Minute)
		if r := api.do("POST", threadsPath(th.ID)+"/messages", key, map[string]any{"body": "Tracking: 1Z999"}); r.status != 201 {
			t.Fatalf("second reply: %d %s", r.status, r.body)
		}
		if n := len(h.answerEmails()); n != 1 {
			t.Fatalf("%d answer emails after a reply within 10 minutes, want 1", n)
		}
		if !strings.Contains(b.get(invoicePath(inv)).body, "Tracking: 1Z999") {
			t.Error("the reply within the window is not in the portal")
		}
		h.now = h.now.Add(time.Minute)
		if r := api.do("POST", threadsPath(th.ID)+"/messages", key, map[string]any{"body": "Delivered."}); r.status != 201 {
			t.Fatalf("third reply: %d %s", r.status, r.body)
		}
		mails = h.answerEmails()
		if len(mails) != 2 || !strings.Contains(mails[1].Text, "> Delivered.") {
			t.Fatalf("after 10 minutes: %d answer emails", len(mails))
		}

		api.do("GET", threadsPath(th.ID), key, nil).json(t, &full)
		if !full.FirstResponseAt.Equal(time.Date(2026, 11, 23, 10, 5, 0, 0, time.UTC)) || len(*full.Messages) != 4 {
			t.Errorf("after three replies: first response %v, %d messages", full.FirstResponseAt, len(*full.Messages))
		}
		if got := strings.Join(h.events(north), ","); got != "question.created,thread.message,thread.message,thread.message" {
			t.Errorf("events: %s", got)
		}
	})
}

func TestVendorResolvesDispute(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north := h.vendor("Northwind Supplies")
		key := h.apiKey(north)
		api := h.api()
		inv := h.invoice(north, "N-2", "ap@acme.example", 40000, "2026-11-25")
		b := h.signIn("ap@acme.example")
		b.post(invoicePath(inv)+"/disputes", url.Values{"reason": {"pricing"}, "amount": {"25.00"}, "note": {"Unit price is 10.00"}}, invoicePath(inv))
		if !strings.Contains(b.get("/portal").body, `<span class="hold">Disputed</span>`) {
			t.Fatal("the inbox does not show the dispute")
		}

		var list threadList
		api.do("GET", "/v1/threads?kind=dispute", key, nil).json(t, &list)
		if len(list.Data) != 1 || *list.Data[0].Reason != "pricing" || *list.Data[0].DisputedAmount != 2500 || list.Data[0].Outcome != nil {
			t.Fatalf("disputes: %+v", list.Data)
		}
		id := list.Data[0].ID

		h.now = h.now.Add(3 * time.Hour)
		var th threadJSON
		r := api.do("POST", threadsPath(id)+"/resolve", key, map[string]any{"outcome": "credit_issued", "note": "Credit note CN-88 covers it."})
		r.json(t, &th)
		if r.status != 200 || th.State != "resolved" || th.Outcome == nil || *th.Outcome != "credit_issued" ||
			th.ResolvedAt == nil || !th.ResolvedAt.Equal(h.now) || th.FirstResponseAt == nil {
			t.Fatalf("resolve: %d %s", r.status, r.body)
		}
		if inbox := b.get("/portal").body; strings.Contains(inbox, "Disputed") {
			t.Error("the inbox still says Disputed after the resolution")
		}
		page := b.get(invoicePath(inv)).body
		if !strings.Contains(page, "Credit note CN-88 covers it.") || !strings.Contains(page, "Resolved") {
			t.Error("the invoice page does not show the resolution")
		}
		if got := h.events(north); got[len(got)-1] != threads.EventThreadResolved {
			t.Errorf("events: %v", got)
		}
		mails := h.answerEmails()
		if len(mails) != 1 || mails[0].Subject != "Northwind Supplies resolved your dispute on invoice N-2" ||
			!strings.Contains(mails[0].Text, "(outcome: credit issued)") || !strings.Contains(mails[0].Text, "> Credit note CN-88 covers it.") ||
			!strings.Contains(mails[0].Text, "no longer on hold") {
			t.Fatalf("resolution email: %+v", mails)
		}

		p := api.do("POST", threadsPath(id)+"/resolve", key, map[string]any{"outcome": "rejected"}).problem(t, 422)
		fieldMessage(t, p.Errors, "id")
		p = api.do("POST", threadsPath(id)+"/messages", key, map[string]any{"body": "PS"}).problem(t, 422)
		fieldMessage(t, p.Errors, "id")
	})
}

func TestThreadRequestsAreValidated(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north := h.vendor("Northwind Supplies")
		key := h.apiKey(north)
		api := h.api()
		inv := h.invoice(north, "N-1", "ap@acme.example", 125000, "2026-11-20")
		b := h.signIn("ap@acme.example")
		b.post(invoicePath(inv)+"/questions", url.Values{"body": {"Question?"}}, invoicePath(inv))
		var list threadList
		api.do("GET", "/v1/threads", key, nil).json(t, &list)
		msgs, resolve := threadsPath(list.Data[0].ID)+"/messages", threadsPath(list.Data[0].ID)+"/resolve"

		for _, tc := range []struct {
			name, path string
			body       any
			field      string
		}{
			{"no body", msgs, map[string]any{}, "body"},
			{"empty body", msgs, map[string]any{"body": ""}, "body"},
			{"blank body", msgs, map[string]any{"body": "  \n "}, "body"},
			{"4001 characters", msgs, map[string]any{"body": strings.Repeat("ü", 4001)}, "body"},
			{"body not a string", msgs, `{"body": 5}`, "body"},
			{"unknown field", msgs, map[string]any{"body": "hi", "subject": "x"}, "subject"},
			{"no outcome", resolve, map[string]any{"note": "done"}, "outcome"},
			{"unknown outcome", resolve, map[string]any{"outcome": "refunded"}, "outcome"},
			{"note too long", resolve, map[string]any{"outcome": "answered", "note": strings.Repeat("x", 4001)}, "note"},
			{"unknown field on resolve", resolve, map[string]any{"outcome": "answered", "status": "closed"}, "status"},
		} {
			p := api.do("POST", tc.path, key, tc.body).problem(t, 422)
			if p.Code != "validation_failed" {
				t.Errorf("%s: code %q", tc.name, p.Code)
			}
			fieldMessage(t, p.Errors, tc.field)
		}
		if p := api.do("POST", msgs, key, `{"body": "x"`).problem(t, 400); p.Code != "malformed_json" {
			t.Errorf("truncated JSON: %q", p.Code)
		}
		for query, field := range map[string]string{"kind=complaint": "kind", "state=closed": "state", "limit=0": "limit",
			"updated_after=2026-13-01T00:00:00Z": "updated_after"} {
			p := api.do("GET", "/v1/threads?"+query, key, nil).problem(t, 422)
			fieldMessage(t, p.Errors, field)
		}
		fieldMessage(t, api.do("GET", "/v1/threads?cursor=zzz", key, nil).problem(t, 400).Errors, "cursor")
		if r := api.do("POST", msgs, key, map[string]any{"body": strings.Repeat("ü", 4000)}); r.status != 201 {
			t.Errorf("4000 characters: %d %s", r.status, r.body)
		}
		var th threadJSON
		api.do("GET", threadsPath(list.Data[0].ID), key, nil).json(t, &th)
		if th.State != "answered" || len(*th.Messages) != 2 {
			t.Errorf("refused requests changed the thread: %+v", th)
		}
	})
}

func TestThreadPagination(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north := h.vendor("Northwind Supplies")
		key := h.apiKey(north)
		api := h.api()
		h.askQuestions(north, 3)
		var got []int64
		cursor := ""
		for range 5 {
			var page threadList
			r := api.do("GET", "/v1/threads?limit=2"+cursor, key, nil)
			r.json(t, &page)
			for _, th := range page.Data {
				got = append(got, th.ID)
			}
			if page.NextCursor == nil {
				break
			}
			cursor = "&cursor=" + *page.NextCursor
		}
		if len(got) != 3 || got[0] >= got[1] || got[1] >= got[2] {
			t.Fatalf("paged threads: %v", got)
		}
	})
}

// askQuestions has ap@acme.example ask n questions, one per invoice of the vendor.
func (h *portalHub) askQuestions(vendorID int64, n int) {
	h.t.Helper()
	var ids []int64
	for i := range n {
		ids = append(ids, h.invoice(vendorID, fmt.Sprintf("P-%d", i), "ap@acme.example", 1000, "2026-11-20"))
	}
	b := h.signIn("ap@acme.example")
	for _, id := range ids {
		if r := b.post(invoicePath(id)+"/questions", url.Values{"body": {"?"}}, invoicePath(id)); r.status != http.StatusSeeOther {
			h.t.Fatalf("question: %d", r.status)
		}
	}
}

// failingMailer refuses every message, like a provider that is down.
type failingMailer struct{}

func (failingMailer) Send(context.Context, notify.Message) (notify.Result, error) {
	return notify.Result{}, &notify.Error{Code: "503", Err: errors.New("provider down")}
}

func TestAnswerStandsWhenEmailFails(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north := h.vendor("Northwind Supplies")
		key := h.apiKey(north)
		inv := h.invoice(north, "N-1", "ap@acme.example", 125000, "2026-11-20")
		b := h.signIn("ap@acme.example")
		b.post(invoicePath(inv)+"/questions", url.Values{"body": {"Question?"}}, invoicePath(inv))
		clock := func() time.Time { return h.now }
		h.srv.Config.Handler = New(Config{
			Vendors: h.vendors, Payers: h.payers, Threads: h.threads, Links: h.signer, Outbox: h.outbox,
			Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Registry: prometheus.NewRegistry(),
			Ready: func(context.Context) error { return nil }, Now: clock, PublicURL: h.srv.URL,
			Secret: "portal-secret-portal-secret-xxxx", Mailer: failingMailer{}, MailFrom: "hub@hub.example",
		})
		var list threadList
		h.api().do("GET", "/v1/threads", key, nil).json(t, &list)
		if r := h.api().do("POST", threadsPath(list.Data[0].ID)+"/messages", key, map[string]any{"body": "Answer"}); r.status != 201 {
			t.Fatalf("reply with the email provider down: %d %s", r.status, r.body)
		}
		var notified int64
		db.Gorm.Table("threads").Where("payer_notified_at IS NOT NULL").Count(&notified)
		if notified != 0 || len(h.answerEmails()) != 0 {
			t.Errorf("a failed notification kept the window (%d threads) or was stored", notified)
		}
		if !strings.Contains(b.get(invoicePath(inv)).body, "Answer") {
			t.Error("the answer is not in the portal")
		}
	})
}

// TestThreadsAndPaymentsAreScopedByVendor walks every /v1/threads and
// /v1/payments route as vendor B against vendor A's thread and payment:
// 404, nothing of A's in the answer, and nothing changes. The routes come
// from the router, so a new one is walked without editing this test.
func TestThreadsAndPaymentsAreScopedByVendor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		a, bv := h.vendor("Northwind Supplies"), h.vendor("Contoso Paper")
		keyB := h.apiKey(bv)
		api := h.api()
		asked := h.invoice(a, "A-ASK", "ap@acme.example", 125000, "2026-11-20")
		disputed := h.invoice(a, "A-DISPUTE", "ap@acme.example", 40000, "2026-11-20")
		paid := h.invoice(a, "A-PAID", "ap@acme.example", 7000, "2026-11-20")
		h.invoice(bv, "B-1", "ap@acme.example", 5000, "2026-11-20")
		payer := h.signIn("ap@acme.example")
		payer.post(invoicePath(asked)+"/questions", url.Values{"body": {"A's secret question"}}, invoicePath(asked))
		payer.post(invoicePath(disputed)+"/disputes", url.Values{"reason": {"pricing"}, "amount": {"10.00"}, "note": {"A's note"}}, invoicePath(disputed))
		payer.post("/portal/payments", url.Values{"invoice": {itoa(paid)}, "amount[" + itoa(paid) + "]": {"70.00"},
			"method": {"bank_transfer"}, "paid_on": {"2026-11-22"}}, "/portal/payments/new")
		var threadIDs, reportIDs []int64
		db.Gorm.Table("threads").Where("vendor_id = ?", a).Order("id").Pluck("id", &threadIDs)
		db.Gorm.Table("payment_reports").Where("vendor_id = ?", a).Pluck("id", &reportIDs)
		if len(threadIDs) != 2 || len(reportIDs) != 1 {
			t.Fatalf("A's threads %v, reports %v", threadIDs, reportIDs)
		}

		state := func() string {
			var b strings.Builder
			for _, q := range []string{
				"SELECT COUNT(*) FROM thread_messages", "SELECT COUNT(*) FROM threads WHERE state <> 'open'",
				"SELECT COUNT(*) FROM threads WHERE payer_notified_at IS NOT NULL", "SELECT COUNT(*) FROM holds WHERE released_at IS NULL",
				"SELECT COUNT(*) FROM payment_reports WHERE confirmed_at IS NOT NULL", "SELECT COUNT(*) FROM events",
				"SELECT COUNT(*) FROM outbox_messages",
			} {
				var n int64
				if err := db.Gorm.Raw(q).Scan(&n).Error; err != nil {
					t.Fatal(err)
				}
				b.WriteString(itoa(n) + " ")
			}
			return b.String()
		}
		before := state()

		walked := 0
		for _, r := range h.srv.Config.Handler.(*gin.Engine).Routes() {
			if !strings.HasPrefix(r.Path, "/v1/threads") && !strings.HasPrefix(r.Path, "/v1/payments") || r.Method == "HEAD" {
				continue // HEAD runs the handlers of GET
			}
			ids := threadIDs
			if strings.HasPrefix(r.Path, "/v1/payments") {
				ids = reportIDs
			}
			if !strings.Contains(r.Path, ":id") {
				// Lists: B sees none of A's objects, whatever the filter.
				queries := []string{"", "?invoice=A-ASK", "?invoice=A-DISPUTE&kind=dispute", "?state=open"}
				if strings.HasPrefix(r.Path, "/v1/payments") {
					queries = []string{"", "?status=pending"}
				}
				for _, q := range queries {
					got := api.do(r.Method, r.Path+q, keyB, nil)
					if got.status != 200 || !strings.Contains(string(got.body), `"data":[]`) || strings.Contains(string(got.body), "A-") {
						t.Errorf("%s %s%s as B: %d %s", r.Method, r.Path, q, got.status, got.body)
					}
				}
				walked++
				continue
			}
			for _, id := range ids {
				path := strings.Replace(r.Path, ":id", itoa(id), 1)
				var body any
				if r.Method == "POST" {
					body = map[string]any{}
					switch {
					case strings.HasSuffix(path, "/messages"):
						body = map[string]any{"body": "B writes"}
					case strings.HasSuffix(path, "/resolve"):
						body = map[string]any{"outcome": "rejected", "note": "B resolves"}
					}
				}
				got := api.do(r.Method, path, keyB, body)
				got.problem(t, 404)
				if strings.Contains(string(got.body), "A-") || strings.Contains(string(got.body), "Northwind") {
					t.Errorf("%s %s as B shows A's data: %s", r.Method, path, got.body)
				}
			}
			walked++
		}
		if walked < 6 {
			t.Fatalf("walked only %d routes", walked)
		}
		if after := state(); after != before {
			t.Fatalf("vendor B changed vendor A's threads or payments:\nbefore %s\nafter  %s", before, after)
		}
		for _, e := range h.events(bv) {
			if strings.HasPrefix(e, "thread.") || strings.HasPrefix(e, "payment.") {
				t.Errorf("B's walk wrote event %s", e)
			}
		}
	})
}
