// Package audit keeps the hub's audit log: one append-only row for every
// security-relevant action (API keys, team members, the operator's holds on
// vendors, suppressions lifted, payer erasure, operator sign-ins), with who
// did it, when, from which address and on what. Domain stores call Record
// inside the transaction of the action itself, so an action and its row
// commit together; the actor travels in the context (WithActor), set by the
// HTTP layer or the CLI.
package audit
