// Package jobs runs duehub's durable background work on River: the
// leader-elected periodic planner and one job per digest to send, webhook
// fan-out and one job per webhook delivery attempt, and the AR teams'
// new-thread emails and daily summaries. Database rows (the digest ledger,
// webhook deliveries, team-mail cursors) stay the truth; a job carries only
// a row id and is unique by it, and periodic passes re-enqueue rows left
// pending, so nothing is lost when a process dies between a commit and an
// enqueue.
package jobs
