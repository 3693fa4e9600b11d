// Package payers holds the payer network: a payer is the accounts-payable
// team behind one normalised contact (email first, else E.164 phone), shared
// by every vendor that bills it. It links vendors' customers to payers and
// keeps what payers do and are: contacts, preferences, suppressions, holds,
// credit applications, payment reports, one-time codes. Portal queries take
// the payer ID explicitly; the vendor-side views of promises, contacts and
// payments take the vendor ID explicitly. Questions and disputes are the
// threads package's.
package payers
