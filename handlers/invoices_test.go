package handlers

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
)

func TestPutInvoiceCreatesUpdatesAndLeavesUnchanged(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newHub(t, db)
		_, key := h.vendor("Northwind")

		r := h.do("PUT", "/v1/invoices/INV-1001", key, invoice("INV-1001"))
		if r.status != 201 {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		var got invoiceResponse
		r.json(t, &got)
		if got.ExternalID != "INV-1001" || got.AmountRemaining != 125000 || got.Customer.Email != "ap@acme.example" ||
			got.DueDate != "2026-12-01" || *got.IssueDate != "2026-11-01" || got.Memo != "PO 4471" {
			t.Fatalf("stored invoice differs: %+v", got)
		}

		r = h.do("PUT", "/v1/invoices/INV-1001", key, invoice("INV-1001"))
		if r.status != 200 {
			t.Fatalf("unchanged: %d %s", r.status, r.body)
		}
		var again invoiceResponse
		r.json(t, &again)
		if !again.UpdatedAt.Equal(got.UpdatedAt) {
			t.Fatalf("an unchanged push wrote the row: updated_at %v -> %v", got.UpdatedAt, again.UpdatedAt)
		}

		r = h.do("PUT", "/v1/invoices/INV-1001", key, invoice("INV-1001", set("amount_remaining", 25000)))
		if r.status != 200 {
			t.Fatalf("update: %d %s", r.status, r.body)
		}
		r = h.do("GET", "/v1/invoices/INV-1001", key, nil)
		r.json(t, &got)
		if got.AmountRemaining != 25000 || got.Status != "open" {
			t.Fatalf("update not stored: %+v", got)
		}
		if n := h.count("invoices", ""); n != 1 {
			t.Fatalf("%d invoice rows, want 1", n)
		}

		// Nothing left to pay is paid.
		h.do("PUT", "/v1/invoices/INV-1001", key, invoice("INV-1001", set("amount_remaining", 0)))
		h.do("GET", "/v1/invoices/INV-1001", key, nil).json(t, &got)
		if got.Status != "paid" {
			t.Fatalf("remaining 0 left status %q", got.Status)
		}
	})
}

func TestExternalIDsWithSlashesAndSpaces(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newHub(t, db)
		_, key := h.vendor("Northwind")
		id := "INV/2026 7"
		path := "/v1/invoices/" + url.PathEscape(id)
		if r := h.do("PUT", path, key, invoice(id)); r.status != 201 {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		var got invoiceResponse
		h.do("GET", path, key, nil).json(t, &got)
		if got.ExternalID != id {
			t.Fatalf("external_id = %q", got.ExternalID)
		}
		r := h.do("PUT", path, key, invoice("other"))
		fieldMessage(t, r.problem(t, 422).Errors, "external_id")
	})
}

func TestBatchReportsEachItem(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newHub(t, db)
		_, key := h.vendor("Northwind")
		h.do("PUT", "/v1/invoices/INV-1", key, invoice("INV-1"))
		h.do("PUT", "/v1/invoices/INV-2", key, invoice("INV-2"))

		batch := map[string]any{"invoices": []any{
			invoice("INV-1"),                         // unchanged
			invoice("INV-2", set("memo", "PO 4472")), // updated
			invoice("INV-3"),                         // created
			invoice("INV-4", set("currency", "XYZ")), // error
		}}
		r := h.do("POST", "/v1/invoices/batch", key, batch)
		if r.status != 200 {
			t.Fatalf("batch: %d %s", r.status, r.body)
		}
		var out batchResponse
		r.json(t, &out)
		want := []string{"unchanged", "updated", "created", "error"}
		for i, w := range want {
			if out.Results[i].Result != w || out.Results[i].Index != i {
				t.Errorf("item %d: %+v, want %s", i, out.Results[i], w)
			}
		}
		fieldMessage(t, out.Results[3].Errors, "currency")
		if out.Counts["created"] != 1 || out.Counts["updated"] != 1 || out.Counts["unchanged"] != 1 || out.Counts["error"] != 1 {
			t.Errorf("counts = %v", out.Counts)
		}
		if n := h.count("invoices", ""); n != 3 {
			t.Fatalf("%d invoices stored, want 3", n)
		}
	})
}

func TestBatchOfAThousand(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newHub(t, db)
		_, key := h.vendor("Northwind")
		items := make([]any, 1000)
		for i := range items {
			items[i] = invoice(fmt.Sprintf("INV-%04d", i), set("customer.external_id", fmt.Sprintf("C-%d", i%50)),
				set("customer.email", fmt.Sprintf("ap%d@payer%d.example", i%50, i%50)))
		}
		r := h.do("POST", "/v1/invoices/batch", key, map[string]any{"invoices": items})
		var out batchResponse
		r.json(t, &out)
		if out.Counts["created"] != 1000 {
			t.Fatalf("counts = %v", out.Counts)
		}
		if n := h.count("customers", ""); n != 50 {
			t.Fatalf("%d customers, want 50", n)
		}
		if n := h.count("payers", ""); n != 50 {
			t.Fatalf("%d payers, want 50", n)
		}
		h.do("POST", "/v1/invoices/batch", key, map[string]any{"invoices": items}).json(t, &out)
		if out.Counts["unchanged"] != 1000 {
			t.Fatalf("re-push counts = %v", out.Counts)
		}
		r = h.do("POST", "/v1/invoices/batch", key, map[string]any{"invoices": append(items, invoice("one-too-many"))})
		fieldMessage(t, r.problem(t, 422).Errors, "invoices")
	})
}

func TestListInvoicesFiltersAndPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newHub(t, db)
		_, key := h.vendor("Northwind")
		var items []any
		for i := 1; i <= 7; i++ {
			inv := invoice(fmt.Sprintf("INV-%d", i), set("due_date", fmt.Sprintf("2026-12-%02d", i)))
			if i == 7 {
				set("status", "paid")(inv)
				set("amount_remaining", 0)(inv)
			}
			items = append(items, inv)
		}
		items = append(items, invoice("INV-8", set("customer.external_id", "C-88"), set("customer.email", "ap@other.example")))
		h.do("POST", "/v1/invoices/batch", key, map[string]any{"invoices": items})

		var seen []string
		cursor := ""
		for pages := 0; ; pages++ {
			path := "/v1/invoices?limit=3"
			if cursor != "" {
				path += "&cursor=" + url.QueryEscape(cursor)
			}
			var page invoiceList
			h.do("GET", path, key, nil).json(t, &page)
			for _, inv := range page.Data {
				seen = append(seen, inv.ExternalID)
			}
			if page.NextCursor == nil {
				break
			}
			cursor = *page.NextCursor
			if pages > 5 {
				t.Fatal("pagination does not end")
			}
		}
		if len(seen) != 8 || seen[0] != "INV-1" || seen[7] != "INV-8" {
			t.Fatalf("pages returned %v", seen)
		}

		cases := []struct {
			query string
			want  int
		}{
			{"status=paid", 1},
			{"status=open", 7},
			{"customer=C-88", 1},
			{"customer=C-77&status=open", 6},
			{"due_before=2026-12-03", 3}, // INV-1, INV-2 and INV-8 (due 12-01)
			{"due_after=2026-12-05", 2},
			{"due_after=2026-12-02&due_before=2026-12-05", 2},
		}
		for _, c := range cases {
			var page invoiceList
			h.do("GET", "/v1/invoices?"+c.query, key, nil).json(t, &page)
			if len(page.Data) != c.want {
				t.Errorf("%s: %d invoices, want %d", c.query, len(page.Data), c.want)
			}
		}
		for _, bad := range []struct{ query, field string }{
			{"limit=501", "limit"}, {"limit=0", "limit"}, {"limit=x", "limit"},
			{"status=late", "status"}, {"due_before=12/01/2026", "due_before"}, {"due_after=2026-02-30", "due_after"},
			{"updated_after=2026-12-01", "updated_after"}, {"updated_after=yesterday", "updated_after"},
		} {
			r := h.do("GET", "/v1/invoices?"+bad.query, key, nil)
			fieldMessage(t, r.problem(t, 422).Errors, bad.field)
		}
		if p := h.do("GET", "/v1/invoices?cursor=garbage", key, nil).problem(t, 400); p.Code != "invalid_cursor" {
			t.Errorf("garbage cursor: code %q", p.Code)
		} else {
			fieldMessage(t, p.Errors, "cursor")
		}
	})
}
