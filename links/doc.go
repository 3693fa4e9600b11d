// Package links signs and verifies the links in digests. A link is a JWT
// (golang-jwt/v5, HS256) naming the payer, the digest it came from, the
// action and, for invoice actions, the invoice; it expires, and it is parsed
// strictly: method, issuer, audience, expiry and issued-at are all checked.
package links
