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
// The planner reads only payers whose decision may have changed. After
// deciding a payer it writes payers.next_plan_at, the earliest instant the
// decision could change with no write (nextPlanAt: next window, stale slot,
// payer-local midnight, end of a pause or hold, SMS quiet-hour edges, at
// most PlanRecheck ahead), in the same transaction that reserves the
// chunk's ledger rows. Writes that can change a decision are caught by the
// database, not by the code making them: triggers (migration 00014) on
// invoices, customers, holds, payer_contacts, payer_mutes, suppressions,
// the payer's schedule columns, vendors' reminder policies and the ledger,
// and (migration 00020) messages on the payer's threads, append the payer
// to plan_invalidations, and each pass starts by resetting
// next_plan_at of those payers (applyInvalidations). The queue keeps row
// locks on payers out of pushes; plan_epoch, bumped by each reset, keeps a
// planner that read a payer before it from writing an instant decided on
// older state. A run on another clock (Config.OtherClock: `digests run
// --now`, the demo) decides every payer owing something and leaves
// next_plan_at alone.
//
// Whether a payer has a reason to hear from the hub at all — an invoice
// reaching a point that is news to it, an answer waiting, a hold lifted —
// is decided in one place, reasons.go; the payer's schedule decides when.
//
// Sending is set-based (SendBatch): a batch of ledger rows is claimed, read,
// settled in a fixed number of statements, and built and rendered on all
// cores; Send is a batch of one.
package bundler
