// Package analytics computes a vendor's AR figures — DSO, ADD, CEI, aging,
// late payments, disputes, delinquent customers, response times and invoice
// accuracy — from the history the hub keeps (invoice lifecycle, invoice
// changes, threads, vendor actions, late-payment reasons). Every query is an
// SQL aggregate scoped by the vendor, and money is reported per currency,
// never summed across currencies. Two things are written: the network
// benchmarks' pass (RefreshNetwork, run by a job) keeps anonymous
// aggregates for requests to read; and the monthly rollups of each vendor's
// paid invoices (months.go), which a report reads for the whole months it
// covers, dropped by triggers when a paid invoice of the month changes,
// computed again soon after the vendor's pushes (Warmer), by the nightly
// pass (RollUp) or by the first report that needs a month. The definitions are in the README's "AR analytics" section.
package analytics
