package vendors

import (
	"context"
	"time"
)

var invoiceUpdateCols = []string{"number", "currency", "amount_due", "amount_remaining", "issue_date",
	"due_date", "pay_url", "pdf_url", "status", "memo"}

func (inv *Invoice) key() string { return inv.ExternalID }

func (inv *Invoice) place(vendorID, customerID int64) {
	inv.VendorID, inv.CustomerID = vendorID, customerID
}

func (inv *Invoice) stamp(created, updated time.Time) {
	inv.CreatedAt, inv.UpdatedAt = created, updated
}

// MaxBatch is the most items one batch push may hold.
const MaxBatch = 1000

// PushInvoices creates or updates the vendor's invoices. Results are in the
// order of items; invalid items get their field errors and do not stop the
// valid ones from being stored.
func (s *Store) PushInvoices(ctx context.Context, vendorID int64, items []InvoiceInput) ([]PushResult, error) {
	results := make([]PushResult, len(items))
	valid := collect[Invoice](results, func(i int) (Invoice, CustomerInput, []FieldError) { return items[i].validate() })
	if err := push[Invoice](ctx, s, vendorID, valid, results, invoiceUpdateCols); err != nil {
		return nil, err
	}
	return results, nil
}
