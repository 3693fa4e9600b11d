// Package metrics exposes the hub's state as Prometheus series prefixed
// duehub_: digests by channel and outcome, provider errors by class,
// suppressions by reason, webhook deliveries by outcome, River's queues by
// state with their oldest job's age, inbound replies and provider events,
// vendors by status. They are read from the database at scrape time, so
// every `duehub serve` process sharing a database reports the same
// network-wide figures, and they survive restarts. No label carries a
// vendor or payer id: label values come from small fixed sets.
package metrics
