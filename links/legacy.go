package links

import (
	"github.com/golang-jwt/jwt/v5"
)

// parseLegacy checks a JWT link as versions before compact links signed
// them (HS256 with the hub secret): method, issuer, audience, expiry and
// issued-at are all checked. Such links are still in mailboxes for up to
// TTL after the upgrade; once that has passed, this file can go.
func (s *Signer) parseLegacy(token string) (Claims, error) {
	var c Claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithIssuer(s.issuer),
		jwt.WithAudience(audience),
		jwt.WithLeeway(leeway),
		jwt.WithTimeFunc(s.now),
	)
	if err != nil {
		return Claims{}, ErrInvalid
	}
	return c, nil
}
