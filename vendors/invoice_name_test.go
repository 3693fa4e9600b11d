package vendors

import "testing"

func TestInvoiceName(t *testing.T) {
	for number, want := range map[string][2]string{
		"1001":          {"invoice 1001", "Invoice 1001"},
		"INV-1001":      {"INV-1001", "INV-1001"},
		"INV1001":       {"INV1001", "INV1001"},
		"inv. 7":        {"inv. 7", "inv. 7"},
		"Invoice 1001":  {"Invoice 1001", "Invoice 1001"},
		"invoice#3":     {"invoice#3", "invoice#3"},
		"INVENTORY-1":   {"invoice INVENTORY-1", "Invoice INVENTORY-1"},
		"Invoicing-9":   {"invoice Invoicing-9", "Invoice Invoicing-9"},
		"2026/INV/0004": {"invoice 2026/INV/0004", "Invoice 2026/INV/0004"},
		"F-2026-1":      {"invoice F-2026-1", "Invoice F-2026-1"},
	} {
		if got := InvoiceName(number); got != want[0] {
			t.Errorf("InvoiceName(%q) = %q, want %q", number, got, want[0])
		}
		if got := InvoiceTitle(number); got != want[1] {
			t.Errorf("InvoiceTitle(%q) = %q, want %q", number, got, want[1])
		}
	}
}

func TestPossessive(t *testing.T) {
	for name, want := range map[string]string{
		"Acme": "Acme's", "Northwind Traders": "Northwind Traders'", "SIEMENS": "SIEMENS'", "Acme Corp.": "Acme Corp.'s", "": "",
	} {
		if got := Possessive(name); got != want {
			t.Errorf("Possessive(%q) = %q, want %q", name, got, want)
		}
	}
}
