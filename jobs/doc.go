// Package jobs runs duehub's durable background work on River: the
// leader-elected periodic planner, batch jobs of first digest sends and one
// job per digest retry, webhook fan-out and one job per webhook delivery
// attempt, and the AR teams' new-thread emails and daily summaries.
// Database rows (the digest ledger, webhook deliveries, team-mail cursors)
// stay the truth; a job carries only row ids (a per-row job is unique by its
// row), and periodic passes re-enqueue rows left pending, so nothing is lost
// when a process dies between a commit and an enqueue.
package jobs
