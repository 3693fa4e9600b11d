package handlers

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/vendors"
)

// The bad inputs of issue 9 (items 1 to 4), sent over HTTP on both databases.

// stored reads an invoice back over the API, failing the test unless it exists.
func (h *hub) stored(key, externalID string) invoiceResponse {
	h.t.Helper()
	r := h.do("GET", "/v1/invoices/"+url.PathEscape(externalID), key, nil)
	if r.status != http.StatusOK {
		h.t.Fatalf("GET %s: %d %s", externalID, r.status, r.body)
	}
	var inv invoiceResponse
	r.json(h.t, &inv)
	return inv
}

// batch pushes invoices and returns the per-item results.
func (h *hub) batch(key string, body any) batchResponse {
	h.t.Helper()
	r := h.do("POST", "/v1/invoices/batch", key, body)
	if r.status != http.StatusOK {
		h.t.Fatalf("batch: %d %s", r.status, r.body)
	}
	var out batchResponse
	r.json(h.t, &out)
	return out
}

// sendAs sends body with exactly the given Content-Type ("" sends none) and
// checks the answer against the OpenAPI description.
func (h *hub) sendAs(method, path, key, contentType, body string) response {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	checkOpenAPI(h.t, req, []byte(body), resp.StatusCode, resp.Header, out)
	return response{status: resp.StatusCode, header: resp.Header, body: out}
}

func errorFields(errs []vendors.FieldError) []string {
	var names []string
	for _, e := range errs {
		names = append(names, e.Field)
	}
	slices.Sort(names)
	return names
}

func TestAmountsAreBoundedAndTotalsNeverWrap(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ph := newPortalHub(t, db)
		north := ph.vendor("Northwind Supplies")
		h, key := ph.api(), ph.apiKey(north)

		if r := h.do("PUT", "/v1/invoices/MAX", key, invoice("MAX", set("amount_due", 1_000_000_000_000), drop("amount_remaining"))); r.status != http.StatusCreated {
			t.Fatalf("the documented maximum is refused: %d %s", r.status, r.body)
		}
		// The input, literally: the largest int64, then another invoice of the same payer.
		huge := strings.Replace(mustJSON(t, invoice("HUGE", drop("amount_remaining"))), `"amount_due":125000`, `"amount_due":9223372036854775807`, 1)
		p := h.do("PUT", "/v1/invoices/HUGE", key, huge).problem(t, http.StatusUnprocessableEntity)
		if !strings.Contains(fieldMessage(t, p.Errors, "amount_due"), "1000000000000") {
			t.Errorf("message does not give the maximum: %+v", p.Errors)
		}
		fieldMessage(t, h.do("PUT", "/v1/invoices/OVER", key, invoice("OVER", set("amount_due", 1_000_000_000_001), drop("amount_remaining"))).
			problem(t, http.StatusUnprocessableEntity).Errors, "amount_due")
		fieldMessage(t, h.do("PUT", "/v1/invoices/BEYOND", key, strings.Replace(huge, "9223372036854775807", "9223372036854775808", 1)).
			problem(t, http.StatusUnprocessableEntity).Errors, "amount_due")

		out := h.batch(key, map[string]any{"invoices": []any{
			invoice("B-HUGE", set("amount_due", int64(9223372036854775807)), drop("amount_remaining")),
			invoice("B-OK", set("amount_due", 500), drop("amount_remaining")),
		}})
		if out.Results[0].Result != "error" || out.Results[1].Result != "created" {
			t.Fatalf("batch results: %+v", out.Results)
		}
		fieldMessage(t, out.Results[0].Errors, "amount_due")

		credit := map[string]any{"customer": invoice("X")["customer"], "currency": "USD", "amount": 1_000_000_000_001}
		fieldMessage(t, h.do("PUT", "/v1/credits/CN-1", key, credit).problem(t, http.StatusUnprocessableEntity).Errors, "amount")

		if n := h.count("invoices", ""); n != 2 {
			t.Fatalf("%d invoices stored, want MAX and B-OK", n)
		}
		page := ph.signIn("ap@acme.example").get("/portal")
		if !strings.Contains(page.body, "USD 10,000,000,005.00") || strings.Contains(page.body, "-92,233") {
			t.Fatalf("portal total wrong:\n%s", page.body)
		}
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// invoiceTextFields are every string field of an invoice request.
var invoiceTextFields = []string{"external_id", "number", "currency", "issue_date", "due_date", "pay_url", "pdf_url", "status",
	"memo", "customer.external_id", "customer.name", "customer.email", "customer.phone", "customer.sms_consent_source"}

func TestControlCharactersAreRefusedPerField(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ph := newPortalHub(t, db)
		north := ph.vendor("Northwind Supplies")
		h, key := ph.api(), ph.apiKey(north)

		for _, field := range invoiceTextFields {
			for _, bad := range []string{"\u0000", "\u0007", "\u007f", "\u0085"} {
				id := "PUT-" + strings.ReplaceAll(field, ".", "-")
				p := h.do("PUT", "/v1/invoices/"+id, key, invoice(id, set(field, "x"+bad+"y"))).problem(t, http.StatusUnprocessableEntity)
				if got := errorFields(p.Errors); !slices.Equal(got, []string{field}) {
					t.Errorf("%s with %U: fields %q", field, []rune(bad)[0], got)
				}
			}
		}
		// One batch: a NUL in each text field, each followed by a valid invoice.
		// On PostgreSQL this used to answer 500 and store nothing.
		var items []any
		for i, field := range invoiceTextFields {
			items = append(items, invoice(fmt.Sprintf("BAD-%d", i), set(field, "x\u0000")), invoice(fmt.Sprintf("GOOD-%d", i)))
		}
		out := h.batch(key, map[string]any{"invoices": items})
		for i, field := range invoiceTextFields {
			bad, good := out.Results[2*i], out.Results[2*i+1]
			if bad.Result != "error" || !slices.Equal(errorFields(bad.Errors), []string{field}) {
				t.Errorf("item with NUL in %s: %+v", field, bad)
			}
			if good.Result != "created" {
				t.Errorf("valid item after %s: %+v", field, good)
			}
		}
		if out.Counts["created"] != len(invoiceTextFields) || out.Counts["error"] != len(invoiceTextFields) {
			t.Errorf("counts %+v", out.Counts)
		}
		if n := h.count("invoices", "external_id LIKE ?", "GOOD-%"); n != int64(len(invoiceTextFields)) {
			t.Errorf("%d valid items stored", n)
		}
		if n := h.count("invoices", "external_id NOT LIKE ?", "GOOD-%"); n != 0 {
			t.Errorf("%d bad invoices stored", n)
		}

		// Multi-line text keeps tab and line breaks; one-line text does not.
		if r := h.do("PUT", "/v1/invoices/ML", key, invoice("ML", set("memo", "PO 4471\r\n\tline 2"))); r.status != http.StatusCreated {
			t.Fatalf("memo with line breaks: %d %s", r.status, r.body)
		}
		if got := h.stored(key, "ML").Memo; got != "PO 4471\r\n\tline 2" {
			t.Errorf("memo stored as %q", got)
		}
		fieldMessage(t, h.do("PUT", "/v1/invoices/ML", key, invoice("ML", set("number", "1\n2"))).problem(t, 422).Errors, "number")

		// Every other body of the API, each string field.
		customer := invoice("X")["customer"]
		for _, c := range []struct {
			method, path string
			body         map[string]any
			field        string
		}{
			{"PUT", "/v1/credits/CN-1", map[string]any{"customer": customer, "currency": "USD", "amount": 5, "memo": "a\u0000"}, "memo"},
			{"PUT", "/v1/credits/CN-1", map[string]any{"customer": customer, "currency": "USD", "amount": 5, "number": "\u0000"}, "number"},
			{"PUT", "/v1/credits/CN-1", map[string]any{"customer": map[string]any{"external_id": "C\u0000", "email": "ap@acme.example"},
				"currency": "USD", "amount": 5}, "customer.external_id"},
			{"POST", "/v1/members", map[string]any{"email": "dana@north.example", "name": "Da\u0000na", "role": "agent"}, "name"},
			{"POST", "/v1/members", map[string]any{"email": "dana@north.example\u0000", "role": "agent"}, "email"},
			{"POST", "/v1/members", map[string]any{"email": "dana@north.example", "role": "agent\u0000"}, "role"},
			{"POST", "/v1/webhook-endpoints", map[string]any{"url": "https://hooks.example/\u0000"}, "url"},
			{"POST", "/v1/webhook-endpoints", map[string]any{"url": "https://hooks.example/", "description": "\u0000"}, "description"},
			{"POST", "/v1/webhook-endpoints", map[string]any{"url": "https://hooks.example/", "event_types": []string{"thread.opened\u0000"}}, "event_types[0]"},
			{"POST", "/v1/threads/1/messages", map[string]any{"body": "thanks\u0000"}, "body"},
			{"POST", "/v1/threads/1/resolve", map[string]any{"outcome": "answered", "note": "\u0000"}, "note"},
			{"POST", "/v1/threads/1/resolve", map[string]any{"outcome": "answered\u0000"}, "outcome"},
		} {
			p := h.do(c.method, c.path, key, c.body).problem(t, http.StatusUnprocessableEntity)
			if got := errorFields(p.Errors); !slices.Equal(got, []string{c.field}) {
				t.Errorf("%s %s: fields %q, want %s", c.method, c.path, got, c.field)
			}
		}
		for table, n := range map[string]int64{"credit_notes": 0, "vendor_members": 0, "webhook_endpoints": 0} {
			if got := h.count(table, ""); got != n {
				t.Errorf("%s: %d rows", table, got)
			}
		}
	})
}

func TestInvalidUTF8IsRefusedNotReplaced(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newHub(t, db)
		_, key := h.vendor("Northwind")
		body := strings.Replace(mustJSON(t, invoice("U")), `"name":"Acme Corp"`, "\"name\":\"Acme \xff Corp\"", 1)
		p := h.do("PUT", "/v1/invoices/U", key, body).problem(t, http.StatusUnprocessableEntity)
		if msg := fieldMessage(t, p.Errors, "customer.name"); !strings.Contains(msg, "UTF-8") {
			t.Errorf("message %q", msg)
		}
		// A lone surrogate escape is not a character either.
		body = strings.Replace(mustJSON(t, invoice("U")), `"memo":"PO 4471"`, `"memo":"PO \ud800 4471"`, 1)
		fieldMessage(t, h.do("PUT", "/v1/invoices/U", key, body).problem(t, 422).Errors, "memo")

		batch := `{"invoices":[` + strings.Replace(mustJSON(t, invoice("B-BAD")), `"PO 4471"`, "\"PO \xc3\x28\"", 1) + "," +
			mustJSON(t, invoice("B-GOOD")) + `]}`
		out := h.batch(key, batch)
		if out.Results[0].Result != "error" || out.Results[1].Result != "created" {
			t.Fatalf("results %+v", out.Results)
		}
		fieldMessage(t, out.Results[0].Errors, "memo")
		if n := h.count("invoices", ""); n != 1 {
			t.Fatalf("%d invoices stored, want B-GOOD", n)
		}
	})
}

func TestKeysMatchExactlyOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newHub(t, db)
		_, key := h.vendor("Northwind")
		if r := h.do("PUT", "/v1/invoices/K", key, invoice("K")); r.status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		before := h.stored(key, "K")
		good := mustJSON(t, invoice("K"))
		for _, c := range []struct {
			name, body string
			status     int
			fields     []string
		}{
			{"long s", strings.Replace(good, `"status":"open"`, `"ſtatus":"void"`, 1), 422, []string{"ſtatus"}},
			{"long s added", strings.Replace(good, `"status":"open"`, `"status":"open","ſtatus":"void"`, 1), 422, []string{"ſtatus"}},
			{"case-folded amount", strings.Replace(good, `"memo"`, `"Amount_Due":5,"memo"`, 1), 422, []string{"Amount_Due"}},
			{"duplicate key", strings.Replace(good, `"memo"`, `"status":"void","memo"`, 1), 422, []string{"status"}},
			{"duplicate nested key", strings.Replace(good, `"name":"Acme Corp"`, `"name":"Acme Corp","name":""`, 1), 422, []string{"customer.name"}},
			{"trailing brace", good + "}", 400, nil},
			{"second object", good + `{"status":"void"}`, 400, nil},
		} {
			p := h.do("PUT", "/v1/invoices/K", key, c.body).problem(t, c.status)
			if got := errorFields(p.Errors); !slices.Equal(got, c.fields) {
				t.Errorf("%s: fields %q, want %q", c.name, got, c.fields)
			}
			if c.status == 400 && p.Code != "malformed_json" {
				t.Errorf("%s: code %q", c.name, p.Code)
			}
		}
		if after := h.stored(key, "K"); mustJSON(t, after) != mustJSON(t, before) {
			t.Fatalf("refused requests changed the invoice:\n%s\n%s", mustJSON(t, before), mustJSON(t, after))
		}
		// In a batch the same keys are that item's error only.
		out := h.batch(key, `{"invoices":[`+strings.Replace(good, `"status":"open"`, `"ſtatus":"void"`, 1)+","+mustJSON(t, invoice("K2"))+`]}`)
		if out.Results[0].Result != "error" || out.Results[1].Result != "created" {
			t.Fatalf("results %+v", out.Results)
		}
		if h.stored(key, "K").Status != "open" {
			t.Fatal("ſtatus voided the invoice")
		}
		fieldMessage(t, h.do("POST", "/v1/invoices/batch", key, `{"invoices":[`+good+`],"invoices":[]}`).problem(t, 422).Errors, "invoices")
	})
}

func TestBodiesMustBeDeclaredJSON(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ph := newPortalHub(t, db)
		north := ph.vendor("Northwind Supplies")
		h, key := ph.api(), ph.apiKey(north)
		good := mustJSON(t, invoice("CT"))
		routes := []struct{ method, path, body string }{
			{"PUT", "/v1/invoices/CT", good},
			{"POST", "/v1/invoices/batch", `{"invoices":[` + good + `]}`},
			{"PUT", "/v1/credits/CT", `{"customer":{"external_id":"C-77","email":"ap@acme.example"},"currency":"USD","amount":5}`},
			{"PUT", "/v1/reminder-policy", `{"offsets":[0],"repeat_days":7}`},
			{"POST", "/v1/members", `{"email":"dana@north.example","role":"agent"}`},
			{"POST", "/v1/webhook-endpoints", `{"url":"https://hooks.example/"}`},
			{"POST", "/v1/threads/1/messages", `{"body":"hi"}`},
			{"POST", "/v1/threads/1/resolve", `{"outcome":"answered"}`},
			{"POST", "/v1/payments/1/confirm", `{}`},
		}
		for _, rt := range routes {
			for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "application/json; charset=iso-8859-1", "application/jsonx", "multipart/form-data; boundary=x"} {
				p := h.sendAs(rt.method, rt.path, key, ct, rt.body).problem(t, http.StatusUnsupportedMediaType)
				if p.Code != "unsupported_media_type" || p.Type != "/problems/unsupported_media_type" {
					t.Errorf("%s %s as %q: %+v", rt.method, rt.path, ct, p)
				}
			}
		}
		for _, table := range []string{"invoices", "credit_notes", "vendor_members", "webhook_endpoints"} {
			if n := h.count(table, ""); n != 0 {
				t.Errorf("%s: %d rows stored from refused bodies", table, n)
			}
		}
		// Parameters are fine; a body without Content-Type is read as JSON, strictly.
		if r := h.sendAs("PUT", "/v1/invoices/CT", key, "application/json; charset=UTF-8", good); r.status != http.StatusCreated {
			t.Fatalf("charset=UTF-8: %d %s", r.status, r.body)
		}
		if r := h.sendAs("PUT", "/v1/invoices/CT", key, "", good); r.status != http.StatusOK {
			t.Fatalf("no Content-Type: %d %s", r.status, r.body)
		}
		fieldMessage(t, h.sendAs("PUT", "/v1/invoices/CT", key, "", strings.Replace(good, `"memo"`, `"Memo"`, 1)).problem(t, 422).Errors, "Memo")
		h.sendAs("PUT", "/v1/invoices/CT", key, "", "external_id=CT").problem(t, http.StatusBadRequest)
		if r := h.sendAs("POST", "/v1/payments/1/confirm", key, "", ""); r.status != http.StatusNotFound {
			t.Fatalf("empty confirm: %d %s", r.status, r.body)
		}
	})
}

func TestEveryInvalidFieldIsReportedAtOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newHub(t, db)
		_, key := h.vendor("Northwind")
		// Problems of form: unknown and case-folded keys, a NUL, a wrong type.
		body := strings.NewReplacer(`"memo":"PO 4471"`, `"memo":"PO\u00004471"`, `"name":"Acme Corp"`, `"name":"Acme Corp","vat":"GB1"`,
			`"amount_remaining":125000`, `"amount_remaining":"all","Amount_Due":5`).Replace(mustJSON(t, invoice("M")))
		p := h.do("PUT", "/v1/invoices/M", key, body).problem(t, 422)
		if got, want := errorFields(p.Errors), []string{"Amount_Due", "amount_remaining", "customer.vat", "memo"}; !slices.Equal(got, want) {
			t.Errorf("fields %q, want %q", got, want)
		}
		// Problems of content: all rules of item 4 at once.
		p = h.do("PUT", "/v1/invoices/M", key, invoice("M", set("status", "paid"), set("amount_remaining", 1), set("issue_date", "0001-01-01"),
			set("due_date", "0001-01-02"), set("pay_url", "https://vendor:s3cret@pay.vendor.example/i/1"),
			set("pdf_url", "https://vendor@files.vendor.example/1.pdf"), set("customer.email", "nope"), drop("customer.phone"))).problem(t, 422)
		if got, want := errorFields(p.Errors), []string{"amount_remaining", "customer.email", "due_date", "issue_date", "pay_url", "pdf_url"}; !slices.Equal(got, want) {
			t.Errorf("fields %q, want %q", got, want)
		}
		out := h.batch(key, map[string]any{"invoices": []any{invoice("M", set("customer.vat", "GB1"), set("customer.name", "\u0000")), invoice("M2")}})
		if got := errorFields(out.Results[0].Errors); !slices.Equal(got, []string{"customer.name", "customer.vat"}) {
			t.Errorf("batch item fields %q", got)
		}
		if n := h.count("invoices", ""); n != 1 {
			t.Fatalf("%d invoices stored, want M2", n)
		}
	})
}

func TestInvoiceSanityRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newHub(t, db)
		_, key := h.vendor("Northwind")
		for _, c := range []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"paid with something remaining", invoice("S", set("status", "paid"), set("amount_remaining", 100)), "amount_remaining"},
			{"year-1 due date", invoice("S", set("due_date", "0001-01-01"), drop("issue_date")), "due_date"},
			{"year-1 issue date", invoice("S", set("issue_date", "0001-01-01")), "issue_date"},
			{"due date in 2100", invoice("S", set("due_date", "2100-01-01")), "due_date"},
			{"issue date in 1999", invoice("S", set("issue_date", "1999-12-31")), "issue_date"},
			{"pay_url with user:password", invoice("S", set("pay_url", "https://user:pass@pay.vendor.example/i/1")), "pay_url"},
			{"pdf_url with a user", invoice("S", set("pdf_url", "https://user@files.vendor.example/1.pdf")), "pdf_url"},
			{"localhost pay_url with a password", invoice("S", set("pay_url", "http://u:p@localhost:3000/pay")), "pay_url"},
		} {
			p := h.do("PUT", "/v1/invoices/S", key, c.body).problem(t, 422)
			if got := errorFields(p.Errors); !slices.Equal(got, []string{c.field}) {
				t.Errorf("%s: fields %q, want %s", c.name, got, c.field)
			}
		}
		credit := map[string]any{"customer": invoice("X")["customer"], "currency": "USD", "amount": 5, "issue_date": "0001-01-01"}
		fieldMessage(t, h.do("PUT", "/v1/credits/CN", key, credit).problem(t, 422).Errors, "issue_date")
		if n := h.count("invoices", ""); n != 0 {
			t.Fatalf("%d invoices stored", n)
		}
		// The edges of the range, and paid with nothing remaining (the default when omitted).
		if r := h.do("PUT", "/v1/invoices/S", key, invoice("S", set("issue_date", "2000-01-01"), set("due_date", "2099-12-31"))); r.status != 201 {
			t.Fatalf("range edges: %d %s", r.status, r.body)
		}
		if r := h.do("PUT", "/v1/invoices/P", key, invoice("P", set("status", "paid"), drop("amount_remaining"))); r.status != 201 {
			t.Fatalf("paid: %d %s", r.status, r.body)
		}
		if got := h.stored(key, "P"); got.Status != "paid" || got.AmountRemaining != 0 {
			t.Fatalf("paid stored as %s with %d remaining", got.Status, got.AmountRemaining)
		}
	})
}

func TestIDsThatCannotBeStoredAreNotFound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newHub(t, db)
		_, key := h.vendor("Northwind")
		for _, path := range []string{"/v1/invoices/A%00B", "/v1/invoices/A%FFB", "/v1/credits/A%00", "/v1/credits/%C3%28"} {
			if p := h.do("GET", path, key, nil).problem(t, http.StatusNotFound); p.Code != "not_found" {
				t.Errorf("GET %s: %+v", path, p)
			}
		}
		// A PUT names its invoice by the path: an id that is not UTF-8 is the external_id's error.
		fieldMessage(t, h.do("PUT", "/v1/invoices/A%FFB", key, invoice("X", drop("external_id"))).problem(t, 422).Errors, "external_id")
		fieldMessage(t, h.do("PUT", "/v1/invoices/A%00B", key, invoice("X", drop("external_id"))).problem(t, 422).Errors, "external_id")
		if n := h.count("invoices", ""); n != 0 {
			t.Fatalf("%d invoices stored", n)
		}
	})
}
