package vendors

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// InvoiceName names an invoice inside a sentence: "invoice 1001". A number
// that already says it is an invoice ("INV-1001", "Invoice 1001", "inv.
// 7") stands alone, so that no reader sees "invoice Invoice 1001" or
// "invoice INV-1001" (issue 13).
func InvoiceName(number string) string {
	if namesItself(number) {
		return number
	}
	return "invoice " + number
}

// InvoiceTitle names an invoice where a sentence or a heading starts:
// "Invoice 1001", or "INV-1001" as the vendor wrote it.
func InvoiceTitle(number string) string {
	if namesItself(number) {
		return number
	}
	return "Invoice " + number
}

// namesItself reports whether an invoice number starts with "invoice" or
// "inv" as a word of its own ("INV-1", "INV1001", "Inv. 7"; not "INVENTORY-1").
func namesItself(number string) bool {
	s := strings.ToLower(strings.TrimSpace(number))
	for _, word := range []string{"invoice", "inv"} {
		if rest, ok := strings.CutPrefix(s, word); ok {
			r, _ := utf8.DecodeRuneInString(rest)
			return rest == "" || !unicode.IsLetter(r)
		}
	}
	return false
}

// Possessive is a name's possessive: "Acme's", "Northwind Traders'" (a
// name ending in s takes the apostrophe alone, never "Traders's").
func Possessive(name string) string {
	if name == "" {
		return name
	}
	if strings.HasSuffix(name, "s") || strings.HasSuffix(name, "S") {
		return name + "'"
	}
	return name + "'s"
}
