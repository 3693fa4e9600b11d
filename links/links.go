package links

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"hash"
	"strconv"
	"strings"
	"sync"
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
	ActionPromise     = "promise" // promise to pay an overdue invoice
	ActionAnswer      = "answer"  // the vendor's answer on an invoice's conversation
	// ActionReplies opens the replies held for the payer to route (package inbound).
	ActionReplies = "replies"
)

const audience = "duehub-portal"

// TTL is how long a digest link stays valid.
const TTL = 30 * 24 * time.Hour

// leeway absorbs clock skew between the process that signed a link and the
// one that checks it.
const leeway = 30 * time.Second

// ErrInvalid is any link that must not be honoured: tampered, expired, for
// another audience or issuer, or badly formed.
var ErrInvalid = errors.New("links: invalid or expired link")

// Claims are what a link says. A compact link fills the registered claims
// from what it carries and from the Signer (issuer, audience, issued-at =
// expiry - TTL, ID = its MAC), so callers read both formats alike.
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

// PayerID is the payer the link belongs to (0 when the subject is not a
// positive decimal number).
func (c Claims) PayerID() int64 {
	id, err := strconv.ParseInt(c.Subject, 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

// Signer makes and checks links for one hub.
type Signer struct {
	secret  []byte // the hub secret: verifies legacy JWT links only
	issuer  string
	baseURL string
	prefix  string // baseURL + "/l/"
	now     func() time.Time
	// macs holds HMAC-SHA256 states keyed with the compact-link key; Reset
	// brings one back to its keyed state, so a link costs one HMAC and no
	// key schedule.
	macs sync.Pool
}

// NewSigner returns a Signer; issuer and baseURL are the hub's public URL.
func NewSigner(secret, baseURL string, now func() time.Time) *Signer {
	s := &Signer{secret: []byte(secret), issuer: baseURL, baseURL: baseURL, prefix: baseURL + "/l/", now: now}
	key := compactKey(s.secret, baseURL)
	s.macs.New = func() any { return &macState{h: hmac.New(sha256.New, key)} }
	return s
}

// macState is one pooled HMAC with scratch space, so signing allocates
// nothing but the resulting string.
type macState struct {
	h   hash.Hash
	sum [sha256.Size]byte
	buf [maxTokenLen]byte
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

// Token signs l as a compact link valid for TTL.
func (s *Signer) Token(l Link) (string, error) {
	var b strings.Builder
	if err := s.writeToken(&b, l); err != nil {
		return "", err
	}
	return b.String(), nil
}

// URL returns the public URL of l: BASE/l/<token>.
func (s *Signer) URL(l Link) (string, error) {
	var b strings.Builder
	b.Grow(len(s.prefix) + encodedTokenLen)
	b.WriteString(s.prefix)
	if err := s.writeToken(&b, l); err != nil {
		return "", err
	}
	return b.String(), nil
}

// Parse verifies a token strictly and returns its claims. Tokens with a '.'
// are the JWT links of earlier versions, accepted until they expire; every
// other token must be a well-formed compact link.
func (s *Signer) Parse(token string) (Claims, error) {
	var (
		c   Claims
		err error
	)
	if strings.Contains(token, ".") {
		c, err = s.parseLegacy(token)
	} else {
		c, err = s.parseCompact(token)
	}
	if err != nil || c.PayerID() <= 0 || c.Action == "" {
		return Claims{}, ErrInvalid
	}
	return c, nil
}
