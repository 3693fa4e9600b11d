package vendors

import (
	"fmt"
	"testing"
)

// benchBatch is a full batch of valid invoices, one in ten with an SMS
// contact, as a vendor pushes it.
func benchBatch() []InvoiceInput {
	items := make([]InvoiceInput, MaxBatch)
	for i := range items {
		due, rem := int64(125000+i), int64(100000+i)
		c := CustomerInput{ExternalID: fmt.Sprintf("CUST-%05d", i%300), Name: "Acme Corp",
			Email: fmt.Sprintf("AP@Payer%05d.example ", i%300)}
		if i%10 == 0 {
			c.Phone, c.SMSConsent, c.SMSConsentSource = fmt.Sprintf("+1201555%04d", i), true, "order form"
		}
		items[i] = InvoiceInput{ExternalID: fmt.Sprintf("INV-%07d", i), Number: fmt.Sprintf("N-%d", i), Customer: c,
			Currency: "USD", AmountDue: &due, AmountRemaining: &rem, IssueDate: "2026-11-01", DueDate: "2026-12-01",
			PayURL: fmt.Sprintf("https://pay.vendor.example/i/%d", i), Memo: "PO 4471"}
	}
	return items
}

// BenchmarkValidateBatch is the CPU part of a batch push: validating and
// normalising 1000 invoices (email, phone, currency, dates, URLs) and
// checking duplicate ids, before any database work.
func BenchmarkValidateBatch(b *testing.B) {
	items := benchBatch()
	b.ReportAllocs()
	for b.Loop() {
		results := make([]PushResult, len(items))
		cc := customerChecks{}
		ok := collect[Invoice](results, func(i int) (Invoice, CustomerInput, []FieldError) { return items[i].validateWith(cc) })
		if len(ok) != len(items) {
			b.Fatalf("%d of %d valid: %v", len(ok), len(items), results[0].Errors)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/MaxBatch, "ns/invoice")
}

func BenchmarkNormalizeEmail(b *testing.B) {
	for b.Loop() {
		if _, err := NormalizeEmail("  AP@Acme-Industrial.example "); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNormalizePhone(b *testing.B) {
	for b.Loop() {
		if _, err := NormalizePhone("+15551230000"); err != nil {
			b.Fatal(err)
		}
	}
}
