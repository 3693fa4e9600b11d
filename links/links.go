package links

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Actions a link can carry.
const (
	ActionInbox       = "inbox"
	ActionPay         = "pay"
	ActionApplyCredit = "credit"
	ActionAsk         = "ask"
	ActionDispute     = "dispute"
	ActionPreferences = "preferences"
	ActionUnsubscribe = "unsubscribe"
)

const audience = "duehub-portal"

// TTL is how long a digest link stays valid.
const TTL = 30 * 24 * time.Hour

// ErrInvalid is any link that must not be honoured: tampered, expired, for
// another audience or issuer, or badly formed.
var ErrInvalid = errors.New("links: invalid or expired link")

// Claims are what a link says.
type Claims struct {
	jwt.RegisteredClaims
	DigestID  int64  `json:"did"`
	Action    string `json:"act"`
	InvoiceID int64  `json:"inv,omitempty"`
	Channel   string `json:"ch,omitempty"`
	// Generation is the payer's token generation when the link was made;
	// the portal refuses it once the payer signed out everywhere since.
	Generation int64 `json:"gen,omitempty"`
}

// PayerID is the payer the link belongs to.
func (c Claims) PayerID() int64 {
	var id int64
	fmt.Sscan(c.Subject, &id)
	return id
}

// Signer makes and checks links for one hub.
type Signer struct {
	secret  []byte
	issuer  string
	baseURL string
	now     func() time.Time
}

// NewSigner returns a Signer; issuer and baseURL are the hub's public URL.
func NewSigner(secret, baseURL string, now func() time.Time) *Signer {
	return &Signer{secret: []byte(secret), issuer: baseURL, baseURL: baseURL, now: now}
}

// Link is the token for one action.
type Link struct {
	PayerID   int64
	DigestID  int64
	Action    string
	InvoiceID int64
	Channel   string
	// Generation is the payer's current token generation.
	Generation int64
}

// Token signs l.
func (s *Signer) Token(l Link) (string, error) {
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
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.secret)
	if err != nil {
		return "", fmt.Errorf("links: sign: %w", err)
	}
	return tok, nil
}

// URL returns the public URL of l: BASE/l/<token>.
func (s *Signer) URL(l Link) (string, error) {
	tok, err := s.Token(l)
	if err != nil {
		return "", err
	}
	return s.baseURL + "/l/" + tok, nil
}

// Parse verifies a token strictly and returns its claims.
func (s *Signer) Parse(token string) (Claims, error) {
	var c Claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithIssuer(s.issuer),
		jwt.WithAudience(audience),
		jwt.WithLeeway(30*time.Second),
		jwt.WithTimeFunc(s.now),
	)
	if err != nil || c.PayerID() <= 0 || c.Action == "" {
		return Claims{}, ErrInvalid
	}
	return c, nil
}
