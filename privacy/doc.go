// Package privacy holds duehub's data protection: erasing a payer (its
// contacts, names and messages across every vendor, keeping only the
// pseudonymised invoice amounts and dates that vendors' books need), the
// retention purge of sent message bodies, and the SQLite backup. Erasure
// ends with a sweep of every text column of every table, so that an address
// copied somewhere this package does not know about is gone too.
package privacy
