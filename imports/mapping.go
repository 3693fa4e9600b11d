package imports

import (
	"slices"
	"strings"
)

// Fields are the invoice fields a column can map to, in form order.
var Fields = []Field{
	{"external_id", "Invoice id (unique per invoice)", true},
	{"number", "Invoice number", true},
	{"customer_id", "Customer id", true},
	{"customer_name", "Customer name", false},
	{"customer_email", "Customer AP email", false},
	{"customer_phone", "Customer AP phone", false},
	{"currency", "Currency (ISO 4217, like USD)", true},
	{"amount_due", "Amount due (like 1,250.00)", true},
	{"amount_remaining", "Amount remaining", false},
	{"issue_date", "Issue date (YYYY-MM-DD)", false},
	{"due_date", "Due date (YYYY-MM-DD)", true},
	{"pay_url", "Payment link", false},
	{"status", "Status (open, paid, void)", false},
	{"memo", "Memo", false},
}

// Field is one invoice field a column maps to.
type Field struct {
	Name, Label string
	Required    bool
}

// Mapping names, for each invoice field, the header of the column that
// holds it; a field not mapped is left out of the push.
type Mapping map[string]string

// Guess maps each field to the column whose header looks like it, for a
// first mapping the vendor then corrects.
func Guess(header []string) Mapping {
	aliases := map[string][]string{
		"external_id": {"external_id", "invoice_id", "id", "invoice id"}, "number": {"number", "invoice number", "invoice_no", "invoice #", "no"},
		"customer_id": {"customer_id", "customer id", "customer number", "account"}, "customer_name": {"customer_name", "customer", "customer name", "name"},
		"customer_email": {"customer_email", "email", "ap email", "billing email"}, "customer_phone": {"customer_phone", "phone"},
		"currency": {"currency", "ccy"}, "amount_due": {"amount_due", "amount", "total", "amount due"},
		"amount_remaining": {"amount_remaining", "balance", "open balance", "remaining"}, "issue_date": {"issue_date", "date", "invoice date", "issued"},
		"due_date": {"due_date", "due", "due date"}, "pay_url": {"pay_url", "payment link", "pay link"}, "status": {"status"}, "memo": {"memo", "description", "notes"},
	}
	m := Mapping{}
	for field, names := range aliases {
		for _, h := range header {
			if slices.Contains(names, strings.ToLower(strings.TrimSpace(h))) {
				m[field] = h
				break
			}
		}
	}
	return m
}

// Check returns, per field, what is wrong with the mapping for header: a
// required field not mapped, or a column the file does not have.
func (m Mapping) Check(header []string) map[string]string {
	problems := map[string]string{}
	for _, f := range Fields {
		col := m[f.Name]
		switch {
		case col == "" && f.Required:
			problems[f.Name] = "must be mapped to a column"
		case col != "" && !slices.Contains(header, col):
			problems[f.Name] = "names a column this file does not have"
		}
	}
	return problems
}
