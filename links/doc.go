// Package links signs and verifies the links in digests. A link names the
// payer, the digest it came from, the action and, for invoice actions, the
// invoice; it expires after TTL and is parsed strictly. Links are compact
// tokens (one truncated HMAC-SHA256 under a key derived for this hub's
// portal, see compact.go); JWT links issued by earlier versions are still
// accepted until they expire (legacy.go).
package links
