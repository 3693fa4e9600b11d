package links

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// A compact link token is base64url (no padding, strict) of
//
//	version | action | channel | payer | digest | invoice | generation | expiry | tag
//
// version, action and channel are one byte each; payer, digest, invoice,
// generation and expiry (Unix seconds) are minimal unsigned varints; tag is
// the first 16 bytes of HMAC-SHA256(key, macPrefix | everything before it).
//
// key is derived with HKDF-SHA256 from the hub secret, with the audience and
// the hub's public URL as context: a link of another hub, or of this hub
// under another base URL, fails the MAC just as one with a wrong issuer or
// audience fails a JWT's checks, and the key is never the raw secret that
// other features (and the legacy JWT links) use.
//
// Parsing is strict: exact length, strict base64, known version, action and
// channel, canonical varints with no trailing bytes, payer > 0, the MAC
// compared in constant time before any field is believed, and the expiry
// checked against the clock with the same leeway as the JWTs had.
const (
	compactVersion = 1
	tagLen         = 16 // 128-bit tag: forging one takes 2^128 online guesses
	headerLen      = 3
	maxVarintLen   = 9 // an int64 ≥ 0 has at most 63 bits
	minTokenLen    = headerLen + 5 + tagLen
	maxTokenLen    = headerLen + 5*maxVarintLen + tagLen
)

var (
	// encodedTokenLen is the longest token, as text.
	encodedTokenLen = tokenEncoding.EncodedLen(maxTokenLen)
	tokenEncoding   = base64.RawURLEncoding.Strict()
	macPrefix       = []byte(audience + " link\x00")
)

// Codes of actions and channels in a token; 0 is no action (invalid) and no
// channel (valid: links of every channel).
var (
	actionCodes  = [...]string{1: ActionInbox, 2: ActionPay, 3: ActionApplyCredit, 4: ActionAsk, 5: ActionDispute, 6: ActionPreferences, 7: ActionUnsubscribe, 8: ActionReplies, 9: ActionPromise, 10: ActionAnswer}
	channelCodes = [...]string{0: "", 1: "email", 2: "sms"}
)

func codeOf(table []string, s string) (byte, bool) {
	for i, t := range table {
		if t == s {
			return byte(i), true
		}
	}
	return 0, false
}

// compactKey derives the compact-link key of a hub.
func compactKey(secret []byte, baseURL string) []byte {
	key, err := hkdf.Key(sha256.New, secret, nil, audience+" compact links v1\x00"+baseURL, sha256.Size)
	if err != nil { // only for a key length HKDF cannot give
		panic(err)
	}
	return key
}

// mac returns the full HMAC of payload under the Signer's key, in m.sum.
func (m *macState) mac(payload []byte) []byte {
	m.h.Reset()
	m.h.Write(macPrefix)
	m.h.Write(payload)
	return m.h.Sum(m.sum[:0])
}

// writeToken writes the compact token of l, valid for TTL from now.
func (s *Signer) writeToken(b *strings.Builder, l Link) error {
	return s.writeTokenUntil(b, l, s.now().Add(TTL).Unix())
}

// writeTokenUntil writes the compact token of l expiring at exp (Unix
// seconds).
func (s *Signer) writeTokenUntil(b *strings.Builder, l Link, exp int64) error {
	act, ok := codeOf(actionCodes[:], l.Action)
	if !ok || l.Action == "" {
		return fmt.Errorf("links: sign: unknown action %q", l.Action)
	}
	ch, ok := codeOf(channelCodes[:], l.Channel)
	if !ok {
		return fmt.Errorf("links: sign: unknown channel %q", l.Channel)
	}
	if l.PayerID <= 0 || l.DigestID < 0 || l.InvoiceID < 0 || l.Generation < 0 {
		return fmt.Errorf("links: sign: payer %d, digest %d, invoice %d, generation %d out of range", l.PayerID, l.DigestID, l.InvoiceID, l.Generation)
	}
	if exp < 0 {
		return fmt.Errorf("links: sign: clock before 1970")
	}
	m := s.macs.Get().(*macState)
	defer s.macs.Put(m)
	p := append(m.buf[:0], compactVersion, act, ch)
	p = binary.AppendUvarint(p, uint64(l.PayerID))
	p = binary.AppendUvarint(p, uint64(l.DigestID))
	p = binary.AppendUvarint(p, uint64(l.InvoiceID))
	p = binary.AppendUvarint(p, uint64(l.Generation))
	p = binary.AppendUvarint(p, uint64(exp))
	p = append(p, m.mac(p)[:tagLen]...)
	var enc [96]byte
	n := tokenEncoding.EncodedLen(len(p))
	tokenEncoding.Encode(enc[:n], p)
	b.Write(enc[:n])
	return nil
}

// parseCompact checks a compact token; see the format above.
func (s *Signer) parseCompact(token string) (Claims, error) {
	if len(token) < tokenEncoding.EncodedLen(minTokenLen) || len(token) > encodedTokenLen {
		return Claims{}, ErrInvalid
	}
	m := s.macs.Get().(*macState)
	defer s.macs.Put(m)
	n, err := tokenEncoding.Decode(m.buf[:], []byte(token))
	// The decoder skips '\r' and '\n': the length check makes the text
	// canonical too, so one link has exactly one spelling.
	if err != nil || n < minTokenLen || tokenEncoding.EncodedLen(n) != len(token) {
		return Claims{}, ErrInvalid
	}
	payload, tag := m.buf[:n-tagLen], m.buf[n-tagLen:n]
	if !hmac.Equal(tag, m.mac(payload)[:tagLen]) {
		return Claims{}, ErrInvalid
	}
	if payload[0] != compactVersion || int(payload[1]) >= len(actionCodes) || payload[1] == 0 || int(payload[2]) >= len(channelCodes) {
		return Claims{}, ErrInvalid
	}
	var v [5]int64
	rest := payload[headerLen:]
	for i := range v {
		u, k := binary.Uvarint(rest)
		if k <= 0 || k != uvarintLen(u) || u > math.MaxInt64 {
			return Claims{}, ErrInvalid
		}
		v[i], rest = int64(u), rest[k:]
	}
	payer, digest, invoice, generation, exp := v[0], v[1], v[2], v[3], v[4]
	if len(rest) != 0 || payer <= 0 || exp > math.MaxInt64/2 {
		return Claims{}, ErrInvalid
	}
	now, expires := s.now(), time.Unix(exp, 0).UTC()
	if now.After(expires.Add(leeway)) || expires.After(now.Add(TTL+leeway)) {
		return Claims{}, ErrInvalid
	}
	return Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: s.issuer, Subject: strconv.FormatInt(payer, 10), Audience: jwt.ClaimStrings{audience},
			ExpiresAt: jwt.NewNumericDate(expires), IssuedAt: jwt.NewNumericDate(expires.Add(-TTL)),
			ID: base64.RawURLEncoding.EncodeToString(tag),
		},
		DigestID: digest, Action: actionCodes[payload[1]], InvoiceID: invoice,
		Channel: channelCodes[payload[2]], Generation: generation,
	}, nil
}

// uvarintLen is the length of u's minimal varint.
func uvarintLen(u uint64) int {
	n := 1
	for u >= 0x80 {
		u >>= 7
		n++
	}
	return n
}
