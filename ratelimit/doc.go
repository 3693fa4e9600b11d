// Package ratelimit counts requests per key (an API key, a client IP, an
// address a form mails) in a sliding window kept in the database, so that
// several `duehub serve` processes on one PostgreSQL database share one
// limit. Each check is one upsert on the rate_limits table; rows of windows
// long past are pruned as checks go by.
package ratelimit
