package handlers

import (
	"bytes"
	"testing"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
)

// TestVendorSeesOnlyItsOwn walks every /v1 route as vendor B against vendor
// A's objects: 404 for objects, nothing in lists, and no trace of A.
func TestVendorSeesOnlyItsOwn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newHub(t, db)
		_, keyA := h.vendor("Northwind")
		_, keyB := h.vendor("Contoso")
		h.do("PUT", "/v1/invoices/A-INV", keyA, invoice("A-INV", set("memo", "secret-of-A")))
		h.do("PUT", "/v1/credits/A-CN", keyA, credit("A-CN"))

		for _, path := range []string{"/v1/invoices/A-INV", "/v1/credits/A-CN"} {
			r := h.do("GET", path, keyB, nil)
			r.problem(t, 404)
			if bytes.Contains(r.body, []byte("A-")) {
				t.Errorf("%s: 404 body mentions A's object: %s", path, r.body)
			}
		}
		for _, path := range []string{"/v1/invoices", "/v1/invoices?customer=C-77", "/v1/credits"} {
			r := h.do("GET", path, keyB, nil)
			if r.status != 200 || bytes.Contains(r.body, []byte("A-")) {
				t.Errorf("%s: %d %s", path, r.status, r.body)
			}
		}
		// B pushing the same external ids and the same AP contact makes B's own
		// objects; A's stay as they were.
		r := h.do("PUT", "/v1/invoices/A-INV", keyB, invoice("A-INV", set("customer.name", "Acme (B's name)")))
		if r.status != 201 {
			t.Fatalf("B's own invoice: %d %s", r.status, r.body)
		}
		if bytes.Contains(r.body, []byte("secret-of-A")) || bytes.Contains(r.body, []byte("Northwind")) {
			t.Fatalf("B sees A's data: %s", r.body)
		}
		var a invoiceResponse
		h.do("GET", "/v1/invoices/A-INV", keyA, nil).json(t, &a)
		if a.Memo != "secret-of-A" || a.Customer.Name != "Acme Corp" {
			t.Fatalf("A's invoice changed by B: %+v", a)
		}
		h.do("POST", "/v1/invoices/batch", keyB, map[string]any{"invoices": []any{invoice("A-INV", set("memo", "B"))}})
		h.do("GET", "/v1/invoices/A-INV", keyA, nil).json(t, &a)
		if a.Memo != "secret-of-A" {
			t.Fatal("B's batch reached A's invoice")
		}
		if r := h.do("PUT", "/v1/credits/A-CN", keyB, credit("A-CN")); r.status != 201 {
			t.Fatalf("B's own credit: %d", r.status)
		}

		// Both vendors name ap@acme.example: one payer on the network.
		if n := h.count("payers", ""); n != 1 {
			t.Fatalf("%d payers, want 1 shared payer", n)
		}
		if n := h.count("customers", ""); n != 2 {
			t.Fatalf("%d customers, want one per vendor", n)
		}
	})
}
