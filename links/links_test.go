package links

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TestLinksAreCheckedStrictly holds for the JWT links earlier versions
// issued, which stay in mailboxes until they expire.
func TestLinksAreCheckedStrictly(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	s := NewSigner("0123456789abcdef0123456789abcdef", "https://hub.example", clock)
	tok, err := s.legacyToken(Link{PayerID: 7, DigestID: 3, Action: ActionPay, InvoiceID: 42})
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Parse(tok)
	if err != nil || c.PayerID() != 7 || c.DigestID != 3 || c.InvoiceID != 42 || c.Action != ActionPay || c.ID == "" {
		t.Fatalf("round trip: %+v %v", c, err)
	}

	other := NewSigner("another-secret-another-secret-xx", "https://hub.example", clock)
	otherIssuer := NewSigner("0123456789abcdef0123456789abcdef", "https://evil.example", clock)
	forged, _ := otherIssuer.legacyToken(Link{PayerID: 7, DigestID: 3, Action: ActionPay})
	none := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"sub": "7", "act": "pay", "aud": audience,
		"iss": "https://hub.example", "exp": now.Add(time.Hour).Unix()})
	noneTok, _ := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	parts := strings.Split(tok, ".")
	tampered := parts[0] + "." + strings.TrimRight(parts[1], "A") + "B." + parts[2]

	for name, check := range map[string]func() error{
		"other secret": func() error { _, err := other.Parse(tok); return err },
		"other issuer": func() error { _, err := s.Parse(forged); return err },
		"alg none":     func() error { _, err := s.Parse(noneTok); return err },
		"tampered":     func() error { _, err := s.Parse(tampered); return err },
		"garbage":      func() error { _, err := s.Parse("not.a.token"); return err },
		"expired": func() error {
			later := NewSigner("0123456789abcdef0123456789abcdef", "https://hub.example", func() time.Time { return now.Add(TTL + time.Hour) })
			_, err := later.Parse(tok)
			return err
		},
		"issued in future": func() error {
			past := NewSigner("0123456789abcdef0123456789abcdef", "https://hub.example", func() time.Time { return now.Add(-time.Hour) })
			_, err := past.Parse(tok)
			return err
		},
	} {
		if err := check(); err != ErrInvalid {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
}
