// Package imports reads invoices from a spreadsheet export (CSV) for vendors
// without developers (issue 15): a saved mapping of columns to invoice
// fields turns each row into the same vendors.InvoiceInput the API takes,
// and rows are pushed in chunks through the API's own validation and push
// path, streaming, so a file of any length is never held in memory.
package imports
