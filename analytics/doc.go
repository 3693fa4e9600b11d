// Package analytics computes a vendor's AR figures — DSO, ADD, CEI, aging,
// late payments, disputes, delinquent customers, response times and invoice
// accuracy — from the history the hub keeps (invoice lifecycle, invoice
// changes, threads, vendor actions, late-payment reasons). A vendor's report
// only reads: every query is one SQL aggregate scoped by the vendor, and
// money is reported per currency, never summed across currencies. The one
// write is the network benchmarks' pass (RefreshNetwork, run by a job),
// which keeps anonymous aggregates for requests to read. The definitions
// are in the README's "AR analytics" section.
package analytics
