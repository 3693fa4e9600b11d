package handlers

import (
	"net/url"
	"strings"
	"testing"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
)

// badInvoices are the invalid inputs a vendor can send, each with the field
// the error must name.
var badInvoices = []struct {
	name  string
	body  map[string]any
	field string
}{
	{"unknown field", invoice("X", set("colour", "red")), "colour"},
	{"unknown customer field", invoice("X", set("customer.vat", "GB1")), "vat"},
	{"amount as string", invoice("X", set("amount_due", "125000")), "amount_due"},
	{"customer as string", invoice("X", set("customer", "C-77")), "customer"},
	{"consent as string", invoice("X", set("customer.sms_consent", "yes")), "customer.sms_consent"},
	{"non-integer amount", invoice("X", set("amount_due", 12.5)), "amount_due"},
	{"negative amount_due", invoice("X", set("amount_due", -1), set("amount_remaining", 0)), "amount_due"},
	{"negative amount_remaining", invoice("X", set("amount_remaining", -5)), "amount_remaining"},
	{"remaining above due", invoice("X", set("amount_remaining", 125001)), "amount_remaining"},
	{"missing amount_due", invoice("X", drop("amount_due")), "amount_due"},
	{"unknown currency", invoice("X", set("currency", "XYZ")), "currency"},
	{"lower-case currency", invoice("X", set("currency", "usd")), "currency"},
	{"malformed currency", invoice("X", set("currency", "US$")), "currency"},
	{"missing currency", invoice("X", drop("currency")), "currency"},
	{"impossible due date", invoice("X", set("due_date", "2026-02-30")), "due_date"},
	{"unparsable issue date", invoice("X", set("issue_date", "yesterday")), "issue_date"},
	{"missing due date", invoice("X", drop("due_date")), "due_date"},
	{"due before issue", invoice("X", set("issue_date", "2026-12-02")), "due_date"},
	{"empty external_id", invoice("", set("external_id", "")), "external_id"},
	{"external_id too long", invoice(strings.Repeat("x", 129)), "external_id"},
	{"external_id with control character", invoice("INV\u0001"), "external_id"},
	{"missing customer", invoice("X", drop("customer")), "customer"},
	{"new customer without contact", invoice("X", set("customer.external_id", "C-NEW"), drop("customer.email"), drop("customer.phone")), "customer.email"},
	{"customer with bad email", invoice("X", set("customer.email", "not-an-email"), drop("customer.phone")), "customer.email"},
	{"customer with display-name email", invoice("X", set("customer.email", "AP <ap@acme.example>")), "customer.email"},
	{"customer with bad phone", invoice("X", drop("customer.email"), set("customer.phone", "12345")), "customer.phone"},
	{"customer phone without country", invoice("X", set("customer.phone", "5551230000")), "customer.phone"},
	{"customer external_id missing", invoice("X", drop("customer.external_id")), "customer.external_id"},
	{"plain http pay_url", invoice("X", set("pay_url", "http://pay.vendor.example/i/1")), "pay_url"},
	{"ftp pay_url", invoice("X", set("pay_url", "ftp://pay.vendor.example/i/1")), "pay_url"},
	{"relative pay_url", invoice("X", set("pay_url", "/i/1")), "pay_url"},
	{"http pdf_url", invoice("X", set("pdf_url", "http://files.vendor.example/1.pdf")), "pdf_url"},
	{"memo over 1000", invoice("X", set("memo", strings.Repeat("é", 1001))), "memo"},
	{"unknown status", invoice("X", set("status", "overdue")), "status"},
}

func TestBadInvoiceInBatchIsNamedAndOthersAreKept(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newHub(t, db)
		_, key := h.vendor("Northwind")
		for _, c := range badInvoices {
			t.Run(c.name, func(t *testing.T) {
				good := "GOOD-" + strings.ReplaceAll(c.name, " ", "-")
				r := h.do("POST", "/v1/invoices/batch", key, map[string]any{"invoices": []any{c.body, invoice(good)}})
				if r.status != 200 {
					t.Fatalf("batch: %d %s", r.status, r.body)
				}
				var out batchResponse
				r.json(t, &out)
				if out.Results[0].Result != "error" {
					t.Fatalf("bad item accepted: %+v", out.Results[0])
				}
				if msg := fieldMessage(t, out.Results[0].Errors, c.field); msg == "" {
					t.Fatal("empty message")
				}
				if out.Results[1].Result != "created" {
					t.Fatalf("good item: %+v", out.Results[1])
				}
				if r := h.do("GET", "/v1/invoices/"+good, key, nil); r.status != 200 {
					t.Fatalf("good item lost: %d", r.status)
				}
			})
		}
		if n := h.count("invoices", "external_id NOT LIKE ?", "GOOD-%"); n != 0 {
			t.Fatalf("%d bad invoices were stored", n)
		}
	})
}

func TestBadInvoicePutIsProblem(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newHub(t, db)
		_, key := h.vendor("Northwind")
		for _, c := range badInvoices {
			id, _ := c.body["external_id"].(string)
			if id == "" {
				continue // a PUT always names its invoice in the URL; the batch test covers this
			}
			t.Run(c.name, func(t *testing.T) {
				r := h.do("PUT", "/v1/invoices/"+url.PathEscape(id), key, c.body)
				p := r.problem(t, 422)
				if p.Code != "validation_failed" {
					t.Fatalf("code = %q", p.Code)
				}
				fieldMessage(t, p.Errors, c.field)
			})
		}
		if n := h.count("invoices", ""); n != 0 {
			t.Fatalf("%d bad invoices were stored", n)
		}
	})
}

func TestLocalhostPayURLIsAllowed(t *testing.T) {
	h := newHub(t, dbtest.SQLite(t))
	_, key := h.vendor("Northwind")
	for _, u := range []string{"http://localhost:3000/pay/1", "http://127.0.0.1/pay/1", "https://pay.vendor.example/1"} {
		if r := h.do("PUT", "/v1/invoices/L", key, invoice("L", set("pay_url", u))); r.status >= 300 {
			t.Errorf("%s refused: %s", u, r.body)
		}
	}
}

func TestBodiesThatAreNotInvoices(t *testing.T) {
	h := newHub(t, dbtest.SQLite(t))
	_, key := h.vendor("Northwind")

	huge := invoice("BIG", set("memo", strings.Repeat("x", maxSingleBody)))
	if p := h.do("PUT", "/v1/invoices/BIG", key, huge).problem(t, 413); p.Code != "body_too_large" {
		t.Fatalf("code = %q", p.Code)
	}
	hugeBatch := `{"invoices":[` + strings.Repeat(`"`+strings.Repeat("x", 1<<20)+`",`, 8) + `1]}`
	h.do("POST", "/v1/invoices/batch", key, hugeBatch).problem(t, 413)

	if p := h.do("PUT", "/v1/invoices/A", key, `{"external_id": "A",`).problem(t, 400); p.Code != "malformed_json" {
		t.Fatalf("code = %q", p.Code)
	}
	h.do("PUT", "/v1/invoices/A", key, `{} {}`).problem(t, 400)
	h.do("PUT", "/v1/invoices/A", key, `[1]`).problem(t, 422)
	fieldMessage(t, h.do("POST", "/v1/invoices/batch", key, `{"invoices": {}}`).problem(t, 422).Errors, "invoices")
	fieldMessage(t, h.do("POST", "/v1/invoices/batch", key, `{"invoices": []}`).problem(t, 422).Errors, "invoices")
	fieldMessage(t, h.do("POST", "/v1/invoices/batch", key, `{"invoice": []}`).problem(t, 422).Errors, "invoice")
	if n := h.count("invoices", ""); n != 0 {
		t.Fatalf("%d invoices stored", n)
	}
}
