package links

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"github.com/golang-jwt/jwt/v5"
)

// legacyToken signs l the way versions before compact links did: a JWT
// (HS256 with the hub secret, random jti). Tests use it to check that such
// links keep working, and keep being checked, until they expire.
func (s *Signer) legacyToken(l Link) (string, error) {
	now := s.now()
	jti := make([]byte, 12)
	rand.Read(jti)
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    s.issuer,
			Subject:   fmt.Sprint(l.PayerID),
			Audience:  jwt.ClaimStrings{audience},
			ExpiresAt: jwt.NewNumericDate(now.Add(TTL)),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        base64.RawURLEncoding.EncodeToString(jti),
		},
		DigestID: l.DigestID, Action: l.Action, InvoiceID: l.InvoiceID, Channel: l.Channel, Generation: l.Generation,
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.secret)
}
