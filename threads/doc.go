// Package threads holds the questions and disputes payers raise on their
// invoices: routing each to the vendor that owns the invoice, the vendor's
// replies, assignments and resolutions, the payer's answer notices and the
// team's response times. Payer-side calls are scoped by payer, vendor-side
// calls by vendor.
package threads
