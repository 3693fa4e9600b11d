package handlers

import (
	"encoding/base64"
	"testing"
)

// FuzzSessionCookie feeds the session cookie parsers (payer and vendor
// member) arbitrary values: they never panic, accept only values they could
// have written themselves, and what they accept reads back the same.
func FuzzSessionCookie(f *testing.F) {
	s := &Server{secret: []byte("fuzz-secret-fuzz-secret-fuzz-sec")}
	f.Add(signedValue(s.sessionMAC, 7, 0, 1764583200, 1764626400))
	f.Add(signedValue(s.vendorSessionMAC, 3, 2, 1764583200, 1764626400))
	f.Add(signedValue(s.sessionMAC, 7, 1764583200, 1764626400)) // the old three-number format
	f.Add(signedValue(s.sessionMAC, 7, -1, 1, 2))
	f.Add("")
	f.Add(".")
	f.Add("Nw.")
	f.Add("MS4yLjMuNA.AAAA")
	f.Add("=====.=====")
	f.Add("7.0.1764583200.1764626400")
	f.Add("+7.0.01.2")
	f.Add("7.0.1.99999999999999999999")
	f.Fuzz(func(t *testing.T, raw string) {
		// raw also as a signed payload, so that the number parsing behind
		// the MAC is reached: only the canonical form is accepted.
		signed := base64.RawURLEncoding.EncodeToString([]byte(raw)) + "." +
			base64.RawURLEncoding.EncodeToString(s.sessionMAC(raw))
		if ss, ok := s.parseSession(signed); ok {
			if again := signedValue(s.sessionMAC, ss.PayerID, ss.Generation, ss.IssuedAt, ss.Expires); again != signed {
				t.Fatalf("accepted payload %q, which writes back as %q", raw, again)
			}
		}
		if ss, ok := s.parseSession(raw); ok {
			if ss.PayerID <= 0 || ss.Generation < 0 || ss.IssuedAt < 0 || ss.Expires < 0 {
				t.Fatalf("accepted %q as %+v", raw, ss)
			}
			if again := signedValue(s.sessionMAC, ss.PayerID, ss.Generation, ss.IssuedAt, ss.Expires); again != raw {
				t.Fatalf("accepted %q, which writes back as %q", raw, again)
			}
			if _, ok := s.parseVendorSession(raw); ok {
				t.Fatalf("a payer session %q opens the vendor inbox", raw)
			}
		}
		if vs, ok := s.parseVendorSession(raw); ok {
			if again := signedValue(s.vendorSessionMAC, vs.MemberID, vs.Generation, vs.IssuedAt, vs.Expires); again != raw {
				t.Fatalf("accepted %q, which writes back as %q", raw, again)
			}
		}
	})
}
