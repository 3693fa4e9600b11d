package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/vendors"
)

// Issue 9 item 2 beyond the JSON bodies: NUL, another control character and
// a byte that is not UTF-8, typed into every HTML form, put in every path id
// and every list filter, on both databases. On PostgreSQL a NUL used to
// reach the database and answer 500.

// unstorable are the bad inputs, with how they are written in a URL.
var unstorable = []struct{ raw, escaped string }{{"\x00", "%00"}, {"\xff", "%FF"}, {"\x1b", "%1B"}}

// storedState sums up every row a form, a path or a filter could change.
func (h *portalHub) storedState() string {
	h.t.Helper()
	var out []string
	for _, table := range []string{"threads", "thread_messages", "holds", "events", "payer_mutes", "payment_reports",
		"payer_contacts", "vendor_members", "outbox_messages", "otp_codes", "credit_applications", "webhook_endpoints",
		"webhook_deliveries", "short_links"} {
		var n int64
		if err := h.db.Gorm.Table(table).Count(&n).Error; err != nil {
			h.t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s=%d", table, n))
	}
	var payers []map[string]any
	if err := h.db.Gorm.Table("payers").Order("id").Find(&payers).Error; err != nil {
		h.t.Fatal(err)
	}
	var remaining []int64
	h.db.Gorm.Table("invoices").Order("id").Pluck("amount_remaining", &remaining)
	return strings.Join(out, " ") + fmt.Sprintf(" payers=%v invoices=%v", payers, remaining)
}

// storableWorld is inboxWorld with a signed-in payer, a signed-in admin of
// Northwind, its API key and a webhook endpoint.
type storableWorld struct {
	*inboxWorld
	payer, admin *browser
	key          string
	endpoint     string
}

func newStorableWorld(t *testing.T, db *database.DB) *storableWorld {
	w := &storableWorld{inboxWorld: newInboxWorld(t, db)}
	h := w.h
	h.pushCredit(w.north, "CN-1", "ap@acme.example", "", "USD", 1000)
	w.h.member(w.north, "dana@northwind.example", vendors.RoleAdmin)
	w.payer, w.admin = h.signIn("ap@acme.example"), h.vendorSignIn("dana@northwind.example")
	w.key = h.apiKey(w.north)
	var ep struct{ ID string }
	r := h.api().do("POST", "/v1/webhook-endpoints", w.key, map[string]any{"url": "https://hooks.northwind.example/duehub"})
	if r.status != http.StatusCreated {
		t.Fatalf("create endpoint: %d %s", r.status, r.body)
	}
	r.json(t, &ep)
	w.endpoint = ep.ID
	return w
}

func TestFormsRefuseTextThatCannotBeStored(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newStorableWorld(t, db)
		h := w.h
		inv := invoicePath(w.n1)
		contact := h.contacts(w.inboxWorld.payer)[0].ID
		amountField := "amount[" + strconvI(w.n1) + "]"
		anonymous := h.browser()
		// Each form with valid values, and how its page names each field.
		forms := []struct {
			b          *browser
			path, from string
			fields     map[string]string
			names      map[string]string
		}{
			{w.payer, inv + "/questions", inv, map[string]string{"body": "Which PO?"}, map[string]string{"body": "Your question:"}},
			{w.payer, inv + "/disputes", inv, map[string]string{"reason": "pricing", "amount": "10.00", "note": "Wrong price"},
				map[string]string{"reason": "Reason:", "amount": "Disputed amount:", "note": "Note:"}},
			{w.payer, inv + "/promise", inv, map[string]string{"date": "2026-12-01", "amount": ""},
				map[string]string{"date": "I will pay by:", "amount": "Amount:"}},
			{w.payer, inv + "/credit", inv + "/credit", map[string]string{"credit": "1", "amount": "1.00", "code": "123456"},
				map[string]string{"credit": "The credit ", "amount": "The amount ", "code": "The code "}},
			{w.payer, "/portal/pause", "/portal", map[string]string{"until": "2026-12-20"}, map[string]string{"until": "Pause until:"}},
			{w.payer, "/portal/payments", "/portal/payments/new", map[string]string{"method": "card", "reference": "R-1",
				"paid_on": "2026-11-22", "invoice": strconvI(w.n1), amountField: "10.00"},
				map[string]string{"method": "Payment method:", "reference": "Reference:", "paid_on": "Date paid:", "invoice": "invoice:",
					amountField: "Amount for invoice N-1 (Northwind Supplies):"}},
			{w.payer, "/portal/settings", "/portal/settings", map[string]string{"timezone": "Europe/Paris", "cadence": "weekly",
				"weekday": "1", "run_days": "", "hour": "9", "minute": "0", "min_interval": "3", "email": "on", "sms": "on"},
				map[string]string{"timezone": "Timezone:", "cadence": "How often:", "weekday": "Day of the week:",
					"run_days": "Payment-run days:", "hour": "Send time (hour):", "minute": "Send time (minute):",
					"min_interval": "Minimum time between reminders:", "email": "email:", "sms": "sms:"}},
			{w.payer, "/portal/settings/contacts", "/portal/settings", map[string]string{"kind": "email", "value": "cc@acme.example",
				"role": "cc", "code": "123456"},
				map[string]string{"kind": "Contact type:", "value": "Address or number:", "role": "Role:", "code": "Code:"}},
			{w.payer, "/portal/settings/contacts/" + strconvI(contact), "/portal/settings", map[string]string{"action": "role",
				"role": "cc", "code": "123456"}, map[string]string{"action": "action:", "role": "Role:", "code": "Code:"}},
			{anonymous, "/portal/fresh-link", "", map[string]string{"email": "ap@acme.example"}, map[string]string{"email": "The email "}},
			{w.admin, w.threadURL(w.question.ID) + "/reply", w.threadURL(w.question.ID), map[string]string{"body": "PO 7"},
				map[string]string{"body": "The reply "}},
			{w.admin, w.threadURL(w.dispute.ID) + "/resolve", w.threadURL(w.dispute.ID),
				map[string]string{"outcome": "credit_issued", "note": "Credited"},
				map[string]string{"outcome": "The outcome ", "note": "The note "}},
			{w.admin, w.threadURL(w.question.ID) + "/assign", w.threadURL(w.question.ID), map[string]string{"member_id": "0"},
				map[string]string{"member_id": "The assignee "}},
			{w.admin, "/vendor/members", "/vendor/members", map[string]string{"email": "erin@northwind.example", "name": "Erin", "role": "agent"},
				map[string]string{"email": "The email ", "name": "The name ", "role": "The role "}},
			{anonymous, "/vendor/signin", "", map[string]string{"email": "dana@northwind.example"}, map[string]string{"email": "The email "}},
		}
		before := h.storedState()
		for _, f := range forms {
			for field, name := range f.names {
				for _, bad := range unstorable {
					fields := url.Values{}
					for k, v := range f.fields {
						fields.Set(k, v)
					}
					fields.Set(field, fields.Get(field)+bad.raw+"x")
					r := f.b.post(f.path, fields, f.from)
					if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, name) ||
						!(strings.Contains(r.body, "must not contain control characters") || strings.Contains(r.body, "is not valid UTF-8")) {
						t.Errorf("POST %s with %s=%q: %d, want 422 naming %q\n%s", f.path, field, bad.raw, r.status, name, alertOf(r.body))
					}
					if strings.Contains(r.body, bad.raw+"x") {
						t.Errorf("POST %s with %s=%q: the page echoes the bad text", f.path, field, bad.raw)
					}
				}
			}
		}
		if after := h.storedState(); after != before {
			t.Fatalf("refused forms stored something:\n%s\n%s", before, after)
		}
		// Tabs and line breaks belong in free text; control characters do not.
		multiline := url.Values{"body": {"Which PO?\r\n\tThe one from May."}}
		if r := w.payer.post(inv+"/questions", multiline, inv); r.status != http.StatusSeeOther {
			t.Errorf("a question on two lines: %d\n%s", r.status, r.body)
		}
		if r := w.payer.post("/portal/payments", url.Values{"method": {"card"}, "reference": {"R-1\tR-2"}, "invoice": {strconvI(w.n1)},
			amountField: {"10.00"}}, "/portal/payments/new"); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Reference:") {
			t.Errorf("a tab in a one-line reference: %d\n%s", r.status, r.body)
		}
	})
}

func TestPathIDsThatCannotBeStoredAreNotFound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newStorableWorld(t, db)
		h, api := w.h, w.h.api()
		before := h.storedState()
		for _, bad := range unstorable {
			id := "7" + bad.escaped
			for _, c := range []struct {
				method, path string
				body         any
			}{
				{"GET", "/v1/webhook-endpoints/" + id, nil},
				{"POST", "/v1/webhook-endpoints/" + id, map[string]any{"url": "https://hooks.northwind.example/b"}},
				{"DELETE", "/v1/webhook-endpoints/" + id, nil},
				{"POST", "/v1/webhook-endpoints/" + id + "/roll-secret", nil},
				{"POST", "/v1/webhook-endpoints/" + id + "/test", nil},
				{"GET", "/v1/webhook-endpoints/" + id + "/deliveries", nil},
				{"POST", "/v1/webhook-endpoints/" + id + "/deliveries/" + id + "/resend", nil},
				{"POST", "/v1/webhook-endpoints/" + w.endpoint + "/deliveries/" + id + "/resend", nil},
				{"GET", "/v1/threads/" + id, nil},
				{"POST", "/v1/threads/" + id + "/messages", map[string]any{"body": "Hello"}},
				{"POST", "/v1/threads/" + id + "/resolve", map[string]any{"outcome": "other"}},
				{"POST", "/v1/payments/" + id + "/confirm", nil},
			} {
				if p := api.do(c.method, c.path, w.key, c.body).problem(t, http.StatusNotFound); p.Code != "not_found" {
					t.Errorf("%s %s: %+v", c.method, c.path, p)
				}
			}
			for _, c := range []struct {
				b            *browser
				method, path string
				from         string
			}{
				{w.payer, "GET", "/portal/invoices/" + id, ""},
				{w.payer, "GET", "/portal/invoices/" + id + "/credit", ""},
				{w.payer, "POST", "/portal/invoices/" + id + "/pay", "/portal"},
				{w.payer, "POST", "/portal/invoices/" + id + "/questions", "/portal"},
				{w.payer, "POST", "/portal/invoices/" + id + "/disputes", "/portal"},
				{w.payer, "POST", "/portal/invoices/" + id + "/promise", "/portal"},
				{w.payer, "POST", "/portal/invoices/" + id + "/credit", "/portal"},
				{w.payer, "POST", "/portal/invoices/" + id + "/credit/code", "/portal"},
				{w.payer, "POST", "/portal/vendors/" + id + "/mute", "/portal"},
				{w.payer, "POST", "/portal/settings/contacts/" + id, "/portal"},
				{w.admin, "GET", "/vendor/threads/" + id, ""},
				{w.admin, "POST", "/vendor/threads/" + id + "/reply", "/vendor"},
				{w.admin, "POST", "/vendor/threads/" + id + "/resolve", "/vendor"},
				{w.admin, "POST", "/vendor/threads/" + id + "/assign", "/vendor"},
				{w.admin, "POST", "/vendor/payments/" + id + "/confirm", "/vendor"},
				{w.admin, "POST", "/vendor/members/" + id + "/disable", "/vendor/members"},
				{h.browser(), "GET", "/l/" + id, ""},
				{h.browser(), "POST", "/l/" + id, ""},
				{h.browser(), "GET", "/s/" + id, ""},
				{h.browser(), "GET", "/vendor/signin/" + id, ""},
				{h.browser(), "POST", "/vendor/signin/" + id, ""},
			} {
				var r webPage
				if c.method == "GET" {
					r = c.b.get(c.path)
				} else {
					r = c.b.post(c.path, url.Values{"body": {"Hello"}}, c.from)
				}
				if r.status != http.StatusNotFound || !strings.Contains(r.header.Get("Content-Type"), "text/html") {
					t.Errorf("%s %s: %d %s, want the 404 page\n%s", c.method, c.path, r.status, r.header.Get("Content-Type"), r.body)
				}
			}
		}
		if after := h.storedState(); after != before {
			t.Fatalf("requests to ids that cannot exist changed something:\n%s\n%s", before, after)
		}
	})
}

func TestQueryParametersThatCannotBeStoredAreRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newStorableWorld(t, db)
		h, api := w.h, w.h.api()
		before := h.storedState()
		for _, bad := range unstorable {
			for _, c := range []struct{ path, param, value string }{
				{"/v1/invoices", "status", "open"}, {"/v1/invoices", "customer", "C-1"},
				{"/v1/invoices", "due_before", "2026-12-01"}, {"/v1/invoices", "due_after", "2026-12-01"},
				{"/v1/invoices", "updated_after", "2026-11-01T00:00:00Z"}, {"/v1/invoices", "cursor", "abc"}, {"/v1/invoices", "limit", "5"},
				{"/v1/credits", "updated_after", "2026-11-01T00:00:00Z"}, {"/v1/credits", "cursor", "abc"}, {"/v1/credits", "limit", "5"},
				{"/v1/threads", "kind", "question"}, {"/v1/threads", "state", "open"}, {"/v1/threads", "invoice", "N-1"},
				{"/v1/threads", "updated_after", "2026-11-01T00:00:00Z"}, {"/v1/threads", "cursor", "abc"}, {"/v1/threads", "limit", "5"},
				{"/v1/payments", "status", "pending"}, {"/v1/payments", "cursor", "abc"}, {"/v1/payments", "limit", "5"},
				{"/v1/events", "after", "evt_1"}, {"/v1/events", "limit", "5"},
				{"/v1/webhook-endpoints/" + w.endpoint + "/deliveries", "limit", "5"},
				{"/v1/webhook-endpoints/" + w.endpoint + "/deliveries", "cursor", "abc"},
			} {
				path := c.path + "?" + c.param + "=" + url.QueryEscape(c.value) + bad.escaped
				r := api.do("GET", path, w.key, nil)
				switch r.status {
				case http.StatusUnprocessableEntity:
					fieldMessage(t, r.problem(t, r.status).Errors, c.param)
				case http.StatusBadRequest:
					if p := r.problem(t, r.status); p.Code != "invalid_cursor" || c.param != "cursor" {
						t.Errorf("GET %s: %+v", path, p)
					}
				default:
					t.Errorf("GET %s: %d %s, want 422 naming %s", path, r.status, r.body, c.param)
				}
			}
			for _, c := range []struct {
				b    *browser
				path string
			}{
				{w.payer, "/portal?filter=overdue" + bad.escaped}, {w.payer, "/portal?vendor=1" + bad.escaped},
				{w.payer, "/portal?sort=due" + bad.escaped}, {w.payer, "/portal?done=question" + bad.escaped},
				{w.payer, invoicePath(w.n1) + "?do=pay" + bad.escaped}, {w.payer, invoicePath(w.n1) + "/credit?credit=1" + bad.escaped},
				{w.payer, invoicePath(w.n1) + "/credit?amount=1" + bad.escaped}, {w.payer, "/portal/payments/new?invoice=1" + bad.escaped},
				{w.payer, "/portal/settings?done=settings" + bad.escaped}, {w.payer, "/portal?x" + bad.escaped + "=1"},
				{w.admin, "/vendor?done=reply" + bad.escaped}, {w.admin, w.threadURL(w.question.ID) + "?done=reply" + bad.escaped},
				{w.admin, "/vendor/members?done=invite" + bad.escaped},
			} {
				if r := c.b.get(c.path); r.status != http.StatusBadRequest || !strings.Contains(r.body, "This address is damaged") {
					t.Errorf("GET %s: %d, want 400\n%s", c.path, r.status, r.body)
				}
			}
		}
		if after := h.storedState(); after != before {
			t.Fatalf("refused lists changed something:\n%s\n%s", before, after)
		}
	})
}

// alertOf is the error notice of a page, or the page when it has none.
func alertOf(body string) string {
	if _, rest, ok := strings.Cut(body, `role="alert">`); ok {
		notice, _, _ := strings.Cut(rest, "</div>")
		return notice
	}
	return body
}

// FuzzTextProblem checks the one rule every form, id and filter is held to:
// text is refused exactly when it is not UTF-8 or holds a control character
// (tab and line breaks allowed in multi-line text), and an id passes the
// path check exactly when it passes the one-line text check.
func FuzzTextProblem(f *testing.F) {
	for _, s := range []string{"", "Which PO?", "a\x00b", "\xff", "\x1b[31m", "line\r\n\tnext", "\u0085", "\u007f", "é€𝄞", "\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, multiline := range []bool{false, true} {
			want := utf8.ValidString(s) && strings.IndexFunc(s, func(r rune) bool {
				return unicode.IsControl(r) && !(multiline && (r == '\t' || r == '\n' || r == '\r'))
			}) < 0
			if got := textProblem(s, multiline) == ""; got != want {
				t.Fatalf("textProblem(%q, %v) accepts = %v, want %v", s, multiline, got, want)
			}
		}
		if vendors.Findable(s) != (textProblem(s, false) == "") {
			t.Fatalf("Findable(%q) disagrees with textProblem", s)
		}
	})
}
