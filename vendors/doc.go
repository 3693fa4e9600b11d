// Package vendors holds what a vendor owns on the hub: the vendor itself, its
// API keys, its customers, invoices and credit notes, and the idempotency
// records of its API calls. Every method that touches vendor data takes the
// vendor ID explicitly, so a cross-vendor read is visible in review.
package vendors
