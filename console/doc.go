// Package console reads what the hub operator's console at /admin shows:
// every vendor with its volume and delivery health, payers found by email or
// phone, failing webhook endpoints, the River queues and recent digests. It
// only reads, across all vendors (the operator's view); actions go through
// the owning packages (vendors, payers, privacy), which audit them.
package console
