// Package bundler decides when each payer is due one reminder digest covering
// every vendor's invoices, what that digest holds, and makes sure each slot is
// sent at most once.
//
// The scheduling rules (reminder policies, send windows, quiet hours, the
// due decision) are pure functions of their inputs and an explicit now, so
// they are tested to the minute without a database or a real clock.
//
// The planner (Plan) never writes while a read cursor is open: it reads a
// chunk of payers to the end, decides, then reserves that chunk's ledger
// rows. SQLite runs on a single connection, so a write under an open cursor
// would wait for the connection its own cursor holds, forever.
//
// Sending is set-based (SendBatch): a batch of ledger rows is claimed, read,
// settled in a fixed number of statements, and built and rendered on all
// cores; Send is a batch of one.
package bundler
