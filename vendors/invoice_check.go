package vendors

// ValidateInvoice checks one invoice as a push would, without storing it
// (issue 15: the CSV import's preview shows each row's errors).
func ValidateInvoice(in InvoiceInput) []FieldError {
	_, _, fe := in.validate()
	return fe
}
