package links

import (
	"encoding/binary"
	"regexp"
	"strings"
	"testing"
	"time"
)

var (
	testNow    = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	testSecret = "0123456789abcdef0123456789abcdef"
)

func testSigner(now time.Time) *Signer {
	return NewSigner(testSecret, "https://hub.example", func() time.Time { return now })
}

// seal makes a compact token of any payload with a valid tag: what a
// holder of the key could sign, so the checks behind the MAC are tested.
func (s *Signer) seal(payload []byte) string {
	m := s.macs.Get().(*macState)
	defer s.macs.Put(m)
	raw := append(append([]byte(nil), payload...), m.mac(payload)[:tagLen]...)
	return tokenEncoding.EncodeToString(raw)
}

// payload builds a token body: version, action and channel codes, then
// the varints payer, digest, invoice, generation, expiry.
func payload(version, action, channel byte, vals ...uint64) []byte {
	p := []byte{version, action, channel}
	for _, v := range vals {
		p = binary.AppendUvarint(p, v)
	}
	return p
}

func TestCompactLinksRoundTrip(t *testing.T) {
	s := testSigner(testNow)
	token := regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	for _, l := range []Link{
		{PayerID: 7, DigestID: 3, Action: ActionPay, InvoiceID: 42},
		{PayerID: 1, Action: ActionInbox},
		{PayerID: 9_000_000_000_000, DigestID: 1 << 62, Action: ActionDispute, InvoiceID: 1<<63 - 1, Channel: "email", Generation: 12},
		{PayerID: 5, DigestID: 8, Action: ActionApplyCredit, InvoiceID: 1, Channel: "sms"},
		{PayerID: 5, Action: ActionAsk, InvoiceID: 300},
		{PayerID: 5, Action: ActionPreferences, Generation: 3},
		{PayerID: 5, Action: ActionUnsubscribe, Channel: "sms"},
	} {
		url, err := s.URL(l)
		if err != nil {
			t.Fatalf("%+v: %v", l, err)
		}
		tok, ok := strings.CutPrefix(url, "https://hub.example/l/")
		if !ok || !token.MatchString(tok) || len(tok) > encodedTokenLen {
			t.Fatalf("%+v: URL %q", l, url)
		}
		c, err := s.Parse(tok)
		if err != nil {
			t.Fatalf("%+v: %v", l, err)
		}
		got := Link{PayerID: c.PayerID(), DigestID: c.DigestID, Action: c.Action, InvoiceID: c.InvoiceID, Channel: c.Channel, Generation: c.Generation}
		if got != l || !c.ExpiresAt.Equal(testNow.Add(TTL)) || c.Issuer != "https://hub.example" || c.ID == "" {
			t.Errorf("round trip of %+v: %+v", l, c)
		}
	}
	// A digest's invoice link is short: what a reader sees and what an
	// email weighs.
	tok, _ := s.Token(Link{PayerID: 123456, DigestID: 987654, Action: ActionDispute, InvoiceID: 4567890, Channel: "email", Generation: 2})
	if len(tok) > 48 {
		t.Errorf("invoice link token is %d characters: %s", len(tok), tok)
	}
}

func TestCompactLinksRefuseToSignNonsense(t *testing.T) {
	s := testSigner(testNow)
	for _, l := range []Link{
		{PayerID: 7, Action: "delete"},
		{PayerID: 7},
		{PayerID: 7, Action: ActionInbox, Channel: "fax"},
		{PayerID: 0, Action: ActionInbox},
		{PayerID: -1, Action: ActionInbox},
		{PayerID: 7, Action: ActionPay, InvoiceID: -1},
		{PayerID: 7, Action: ActionInbox, Generation: -1},
	} {
		if tok, err := s.Token(l); err == nil {
			t.Errorf("%+v signed: %s", l, tok)
		}
	}
}

func TestCompactLinksAreCheckedStrictly(t *testing.T) {
	s := testSigner(testNow)
	tok, err := s.Token(Link{PayerID: 7, DigestID: 3, Action: ActionPay, InvoiceID: 42, Channel: "email", Generation: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Parse(tok); err != nil {
		t.Fatal(err)
	}
	exp := uint64(testNow.Add(TTL).Unix())
	refused := func(name, token string) {
		t.Helper()
		if c, err := s.Parse(token); err != ErrInvalid {
			t.Errorf("%s: %q accepted: %+v", name, token, c)
		}
	}

	for i := range len(tok) {
		refused("truncated", tok[:i])
	}
	for _, extra := range []string{"A", "AA", "AAA", "AAAA", "=", "\n", " "} {
		refused("trailing "+extra, tok+extra)
	}
	refused("newline inside", tok[:10]+"\n"+tok[10:])
	refused("padded", tok+strings.Repeat("=", (4-len(tok)%4)%4)+"=")

	raw, err := tokenEncoding.DecodeString(tok)
	if err != nil {
		t.Fatal(err)
	}
	for i := range raw {
		for bit := range 8 {
			flipped := append([]byte(nil), raw...)
			flipped[i] ^= 1 << bit
			refused("bit flip", tokenEncoding.EncodeToString(flipped))
		}
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range len(tok) {
		for _, r := range alphabet + "+/.=!" {
			if byte(r) != tok[i] {
				refused("character changed", tok[:i]+string(r)+tok[i+1:])
			}
		}
	}

	// Behind a valid tag: what only a key holder could make must still be
	// well formed.
	for name, p := range map[string][]byte{
		"version 0":           payload(0, 2, 1, 7, 3, 42, 2, exp),
		"version 2":           payload(2, 2, 1, 7, 3, 42, 2, exp),
		"no action":           payload(1, 0, 1, 7, 3, 42, 2, exp),
		"unknown action":      payload(1, 10, 1, 7, 3, 42, 2, exp),
		"action 255":          payload(1, 255, 1, 7, 3, 42, 2, exp),
		"unknown channel":     payload(1, 2, 3, 7, 3, 42, 2, exp),
		"payer 0":             payload(1, 2, 1, 0, 3, 42, 2, exp),
		"payer > int64":       payload(1, 2, 1, 1<<63, 3, 42, 2, exp),
		"invoice > int64":     payload(1, 2, 1, 7, 3, 1<<63, 2, exp),
		"a field missing":     payload(1, 2, 1, 7, 3, 42, 2),
		"a field too many":    payload(1, 2, 1, 7, 3, 42, 2, exp, 0),
		"trailing byte":       append(payload(1, 2, 1, 7, 3, 42, 2, exp), 0),
		"non-minimal varint":  append([]byte{1, 2, 1, 0x87, 0x00}, payload(0, 0, 0, 3, 42, 2, exp)[3:]...),
		"expired":             payload(1, 2, 1, 7, 3, 42, 2, uint64(testNow.Add(-time.Minute).Unix())),
		"expiry in the past":  payload(1, 2, 1, 7, 3, 42, 2, 0),
		"issued in future":    payload(1, 2, 1, 7, 3, 42, 2, exp+3600),
		"expiry beyond int64": payload(1, 2, 1, 7, 3, 42, 2, 1<<63-1),
	} {
		refused(name, s.seal(p))
	}
	if _, err := s.Parse(s.seal(payload(1, 2, 1, 7, 3, 42, 2, exp))); err != nil {
		t.Fatalf("the well-formed sealed payload is refused: %v", err)
	}

	for name, other := range map[string]*Signer{
		"other hub's secret": NewSigner("another-secret-another-secret-xx", "https://hub.example", func() time.Time { return testNow }),
		"other base URL":     NewSigner(testSecret, "https://evil.example", func() time.Time { return testNow }),
		"base URL with path": NewSigner(testSecret, "https://hub.example/x", func() time.Time { return testNow }),
	} {
		if _, err := other.Parse(tok); err != ErrInvalid {
			t.Errorf("%s accepts the link: %v", name, err)
		}
		forged, _ := other.Token(Link{PayerID: 7, Action: ActionInbox})
		refused(name+" signed it", forged)
	}

	later := testSigner(testNow.Add(TTL + time.Minute))
	if _, err := later.Parse(tok); err != ErrInvalid {
		t.Errorf("expired link accepted: %v", err)
	}
	if _, err := testSigner(testNow.Add(TTL)).Parse(tok); err != nil {
		t.Errorf("link refused on its last second: %v", err)
	}
	earlier := testSigner(testNow.Add(-time.Hour))
	if _, err := earlier.Parse(tok); err != ErrInvalid {
		t.Errorf("link issued in the future accepted: %v", err)
	}
}

// TestBothFormatsParse: links issued before the upgrade (JWTs) keep working
// next to compact ones until they expire; a JWT with the compact key, or a
// compact token under the raw secret, is nothing.
func TestBothFormatsParse(t *testing.T) {
	s := testSigner(testNow)
	l := Link{PayerID: 7, DigestID: 3, Action: ActionUnsubscribe, Channel: "sms", Generation: 4}
	old, err := s.legacyToken(l)
	if err != nil {
		t.Fatal(err)
	}
	compact, _ := s.Token(l)
	for _, tok := range []string{old, compact} {
		c, err := s.Parse(tok)
		if err != nil || c.PayerID() != 7 || c.DigestID != 3 || c.Action != ActionUnsubscribe || c.Channel != "sms" || c.Generation != 4 {
			t.Errorf("%s: %+v %v", tok, c, err)
		}
	}
	if _, err := testSigner(testNow.Add(TTL + time.Hour)).Parse(old); err != ErrInvalid {
		t.Errorf("expired JWT link accepted: %v", err)
	}
}

// FuzzParse: Parse never panics, and whatever it accepts is canonical:
// signing its claims again gives the very same token. Each input is tried
// as a token and, sealed with a valid tag, as a payload, so the fuzzer
// reaches the field checks behind the MAC.
func FuzzParse(f *testing.F) {
	s := testSigner(testNow)
	tok, _ := s.Token(Link{PayerID: 7, DigestID: 3, Action: ActionPay, InvoiceID: 42, Channel: "email", Generation: 2})
	old, _ := s.legacyToken(Link{PayerID: 7, Action: ActionInbox})
	raw, _ := tokenEncoding.DecodeString(tok)
	for _, seed := range [][]byte{[]byte(tok), []byte(old), raw[:len(raw)-tagLen], []byte("not.a.token"), {}, {1, 2, 1, 7, 0, 0, 0, 0}} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, token := range []string{string(data), s.seal(data)} {
			c, err := s.Parse(token)
			if err != nil {
				if err != ErrInvalid {
					t.Fatalf("error %v is not ErrInvalid", err)
				}
				continue
			}
			if c.PayerID() <= 0 || c.Action == "" {
				t.Fatalf("accepted %q as %+v", token, c)
			}
			if strings.Contains(token, ".") {
				continue
			}
			var b strings.Builder
			l := Link{PayerID: c.PayerID(), DigestID: c.DigestID, Action: c.Action, InvoiceID: c.InvoiceID, Channel: c.Channel, Generation: c.Generation}
			if err := s.writeTokenUntil(&b, l, c.ExpiresAt.Unix()); err != nil || b.String() != token {
				t.Fatalf("accepted %q, which signs again as %q (%v)", token, b.String(), err)
			}
		}
	})
}

// TestSignerIsSafeForConcurrentUse: the digest pass signs from many
// goroutines with one Signer; pooled MAC states must never be shared.
func TestSignerIsSafeForConcurrentUse(t *testing.T) {
	s := testSigner(testNow)
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			for i := range 500 {
				l := Link{PayerID: int64(g + 1), DigestID: int64(i), Action: ActionAsk, InvoiceID: int64(i * g), Channel: "email"}
				tok, err := s.Token(l)
				if err == nil {
					var c Claims
					if c, err = s.Parse(tok); err == nil && (c.PayerID() != l.PayerID || c.DigestID != l.DigestID || c.InvoiceID != l.InvoiceID) {
						err = ErrInvalid
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
