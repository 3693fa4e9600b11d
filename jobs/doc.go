// Package jobs runs duehub's durable background work on River: a periodic,
// leader-elected job that plans digests every minute, and one job per digest
// to send. Database rows (the digest ledger) stay the truth; a job carries
// only a row id and is unique by it, and every planning pass re-enqueues
// rows left pending, so nothing is lost when a process dies between a
// commit and an enqueue.
package jobs
