package bundler

import (
	"strings"
	"testing"
)

// An invoice line names its invoice once ("INV-7", not "Invoice INV-7")
// and writes days in the payer's locale (issue 13).
func TestLineWords(t *testing.T) {
	today := date(t, "2026-12-01")
	for _, c := range []struct {
		locale, number string
		days           int
		want           string
	}{
		{"", "1001", 0, "\nInvoice 1001 · USD 10.00\nDue 1 Dec 2026 · due today\n"},
		{"", "INV-7", 3, "\nINV-7 · USD 10.00\nDue 28 Nov 2026 · 3 days overdue\n"},
		{"", "Invoice 12", -1, "\nInvoice 12 · USD 10.00\nDue 2 Dec 2026 · due tomorrow\n"},
		{"en-US", "1001", -3, "\nInvoice 1001 · USD 10.00\nDue Dec 4, 2026 · due in 3 days\n"},
		{"fr", "1001", 1, "\nInvoice 1001 · USD 10.00\nDue 30 nov. 2026 · 1 day overdue\n"},
	} {
		v := VendorSection{Name: "Northwind", Invoices: []Line{{Number: c.number, Currency: "USD", AmountRemaining: 1000,
			DueDate: today.AddDays(-c.days), DaysOverdue: c.days}}}
		d := digestOf(v)
		d.Locale, d.Today = c.locale, today
		_, text, html, err := RenderEmail(d)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, c.want) {
			t.Errorf("%s %q: text lacks %q:\n%s", c.locale, c.number, c.want, text)
		}
		if strings.Contains(html, "Invoice INV") || strings.Contains(html, "Invoice Invoice") {
			t.Errorf("%q: the HTML names the invoice twice", c.number)
		}
	}
}
