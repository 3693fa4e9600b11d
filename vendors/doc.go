// Package vendors holds what a vendor owns on the hub: the vendor itself, its
// API keys, members, customers, invoices and credit notes, its events and
// webhook endpoints, and the idempotency records of its API calls. Every
// method that touches vendor data takes the vendor ID explicitly, so a
// cross-vendor read is visible in review.
package vendors
