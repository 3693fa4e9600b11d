package handlers

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/money"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// pushMany pushes n open USD invoices of vendorID for the customer whose AP
// is email, numbered prefix-000…, due one day apart from first, amounts
// 100, 101, … minor units. It returns their total.
func (h *portalHub) pushMany(vendorID int64, prefix, email string, n int, first time.Time) int64 {
	h.t.Helper()
	var batch []vendors.InvoiceInput
	var total int64
	for i := range n {
		amount := int64(100 + i)
		total += amount
		ext := fmt.Sprintf("%s-%03d", prefix, i)
		batch = append(batch, vendors.InvoiceInput{ExternalID: ext, Number: ext, Currency: "USD", AmountDue: &amount,
			DueDate: first.AddDate(0, 0, i).Format("2006-01-02"), PayURL: "https://pay.example/" + ext,
			Customer: vendors.CustomerInput{ExternalID: "C-" + email, Name: "Acme", Email: email}})
	}
	res, err := h.vendors.PushInvoices(context.Background(), vendorID, batch)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, r := range res {
		if r.Result == vendors.ResultError {
			h.t.Fatalf("push: %+v", r)
		}
	}
	return total
}

var inboxLineRE = regexp.MustCompile(`<a href="/portal/invoices/\d+">Invoice ([^<]+)</a>`)

// inboxLines are the invoice numbers an inbox page lists, in order.
func inboxLines(body string) []string {
	var out []string
	for _, m := range inboxLineRE.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// pagerLink is the href of the pager's link with this rel, "" when none.
func pagerLink(body, rel string) string {
	m := regexp.MustCompile(`<a href="([^"]+)" rel="` + rel + `"`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// TestInboxPages walks the inbox of a payer with 120 open invoices from
// three vendors: 50 lines a page by plain links, every invoice exactly once,
// the totals over all 120 on every page, nothing of another payer.
func TestInboxPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north, contoso, fabrikam := h.vendor("Northwind"), h.vendor("Contoso"), h.vendor("Fabrikam")
		start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
		total := h.pushMany(north, "N", "ap@acme.example", 45, start)
		total += h.pushMany(contoso, "C", "ap@acme.example", 45, start.AddDate(0, 0, 3))
		total += h.pushMany(fabrikam, "F", "ap@acme.example", 30, start.AddDate(0, 0, 6))
		for _, v := range []int64{north, contoso, fabrikam} {
			h.pushMany(v, fmt.Sprintf("SECRET%d", v), "ap@other.example", 20, start)
		}
		b := h.signIn("ap@acme.example")

		wantTotal := money.Format(total, "USD")
		seen := map[string]int{}
		var order []string
		path := "/portal"
		for page, want := range []int{50, 50, 20} {
			r := b.get(path)
			if r.status != http.StatusOK {
				t.Fatalf("page %d (%s): %d\n%s", page+1, path, r.status, r.body)
			}
			lines := inboxLines(r.body)
			if len(lines) != want {
				t.Errorf("page %d lists %d invoices, want %d", page+1, len(lines), want)
			}
			for _, l := range lines {
				seen[l]++
				order = append(order, l)
			}
			for _, text := range []string{"120 open invoices from 3 vendors", wantTotal, fmt.Sprintf("page %d of 3", page+1),
				`aria-label="Pages of invoices"`} {
				if !strings.Contains(r.body, text) {
					t.Errorf("page %d lacks %q", page+1, text)
				}
			}
			if strings.Contains(r.body, "SECRET") {
				t.Fatalf("page %d shows another payer's invoice", page+1)
			}
			prev, next := pagerLink(r.body, "prev"), pagerLink(r.body, "next")
			if (prev != "") != (page > 0) || (next != "") != (page < 2) {
				t.Errorf("page %d: previous %q, next %q", page+1, prev, next)
			}
			path = next
		}
		if len(seen) != 120 {
			t.Errorf("the pages list %d distinct invoices, want 120", len(seen))
		}
		for n, k := range seen {
			if k != 1 {
				t.Errorf("invoice %s is on %d pages", n, k)
			}
		}
		// Vendor owed longest first, each vendor's invoices by due date.
		if order[0] != "N-000" || order[44] != "N-044" || order[45] != "C-000" || order[119] != "F-029" {
			t.Errorf("order: %v … %v", order[:3], order[len(order)-3:])
		}
		if r := b.get("/portal?page=2"); !strings.Contains(r.body, "Contoso <span class=\"domain\">· contoso.example</span> <span class=\"muted\">(continued)</span>") {
			t.Errorf("page 2 does not say Contoso continues from page 1:\n%s", r.body)
		}

		// Filters page too, and their page links keep the filter.
		r := b.get("/portal?filter=overdue&sort=amount")
		next := pagerLink(r.body, "next")
		if len(inboxLines(r.body)) != 50 || !strings.Contains(next, "filter=overdue") || !strings.Contains(next, "sort=amount") || !strings.Contains(next, "page=2") {
			t.Errorf("overdue filter, page 1: %d lines, next %q", len(inboxLines(r.body)), next)
		}
		// Choosing another filter starts at its first page.
		if r := b.get("/portal?page=2"); strings.Contains(r.body, `href="/portal?filter=overdue&amp;page=2"`) {
			t.Error("a filter link keeps the page number")
		}

		// A page number that is not one is refused plainly; a page past the
		// end (invoices paid since) falls back to the last page.
		for _, bad := range []string{"abc", "0", "-1", "1.5", "99999999999999999999"} {
			if r := b.get("/portal?page=" + bad); r.status != http.StatusBadRequest || !strings.Contains(r.body, "There is no such page") {
				t.Errorf("page=%s: %d", bad, r.status)
			}
		}
		if r := b.get("/portal?page=9&filter=overdue"); r.status != http.StatusFound || r.location != "/portal?filter=overdue&page=3" {
			t.Errorf("page past the end: %d → %q", r.status, r.location)
		}
	})
}

// TestInboxPageTotals checks that the page's totals, counts and hold notes
// come from the whole inbox, not from the page: a held invoice on page 3 is
// left out of the amount due shown on page 1.
func TestInboxPageTotals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north := h.vendor("Northwind")
		start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
		total := h.pushMany(north, "N", "ap@acme.example", 110, start)
		last, err := h.vendors.GetInvoice(context.Background(), north, "N-109")
		if err != nil {
			t.Fatal(err)
		}
		b := h.signIn("ap@acme.example")
		page := "/portal/invoices/" + itoa(last.ID)
		if r := b.post(page+"/disputes", map[string][]string{"reason": {"pricing"}, "amount": {"2.09"}, "note": {"Wrong price"}}, page); r.status != http.StatusSeeOther {
			t.Fatalf("dispute: %d %s", r.status, r.body)
		}
		r := b.get("/portal")
		for _, want := range []string{"110 open invoices from 1 vendor", "not counting 1 on hold", money.Format(total-209, "USD")} {
			if !strings.Contains(r.body, want) {
				t.Errorf("page 1 lacks %q", want)
			}
		}
		if r := b.get("/portal?page=3"); len(inboxLines(r.body)) != 10 || !strings.Contains(r.body, "Disputed") {
			t.Errorf("page 3: %d lines\n%s", len(inboxLines(r.body)), r.body)
		}
		if r := b.get("/portal?filter=hold"); len(inboxLines(r.body)) != 1 || strings.Contains(r.body, `rel="next"`) {
			t.Errorf("on-hold filter: %v", inboxLines(r.body))
		}
	})
}

// TestLineStatus is the status column of an inbox line, as the payer reads it.
func TestLineStatus(t *testing.T) {
	today := civil.Date{Year: 2026, Month: 11, Day: 23}
	for _, c := range []struct {
		due         civil.Date
		hold        string
		locale      string
		text, class string
	}{
		{today.AddDays(-12), "", "", "12 days overdue", "overdue"},
		{today.AddDays(-1), "", "", "1 day overdue", "overdue"},
		{today, "", "", "Due today", ""},
		{today.AddDays(1), "", "", "Due tomorrow", ""}, // as the digest says it
		{today.AddDays(5), "", "", "Due in 5 days", ""},
		{today.AddDays(-3), payers.HoldDispute, "", "Disputed", "hold"},
		{today.AddDays(-3), payers.HoldPromise, "", "Payment promised for 30 Nov 2026", "hold"},
		{today.AddDays(-3), payers.HoldPromise, "en-US", "Payment promised for Nov 30, 2026", "hold"},
		{today.AddDays(-3), payers.HoldPromise, "de", "Payment promised for 30. Nov. 2026", "hold"},
	} {
		o := payers.OpenInvoice{DueDate: c.due, HoldKind: c.hold}
		if c.hold == payers.HoldPromise {
			o.PromisedFor = today.AddDays(7)
		}
		text, class := lineStatus(o, today, c.locale)
		if text != c.text || class != c.class {
			t.Errorf("due %s, hold %q: %q %q, want %q %q", c.due, c.hold, text, class, c.text, c.class)
		}
	}
}
