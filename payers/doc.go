// Package payers holds the payer network: a payer is the accounts-payable
// team behind one normalised contact (email first, else E.164 phone), shared
// by every vendor that bills it. It links vendors' customers to payers and
// will hold the payer's contacts, preferences, holds and threads.
package payers
