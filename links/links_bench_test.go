package links

import (
	"testing"
	"time"
)

func benchSigner() *Signer {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	return NewSigner("0123456789abcdef0123456789abcdef", "https://hub.example", func() time.Time { return now })
}

// BenchmarkSign signs one invoice link, as the builder does four times per
// listed invoice.
func BenchmarkSign(b *testing.B) {
	s := benchSigner()
	l := Link{PayerID: 123456, DigestID: 987654, Action: ActionDispute, InvoiceID: 4567890, Channel: "email", Generation: 2}
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		if _, err := s.URL(l); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignDigest signs the links of a full digest: four per line for
// 30 lines, plus inbox, preferences and unsubscribe.
func BenchmarkSignDigest(b *testing.B) {
	s := benchSigner()
	actions := []string{ActionPay, ActionApplyCredit, ActionAsk, ActionDispute}
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		for i := range 30 {
			for _, a := range actions {
				if _, err := s.URL(Link{PayerID: 123456, DigestID: 987654, Action: a, InvoiceID: int64(4567890 + i), Channel: "email", Generation: 2}); err != nil {
					b.Fatal(err)
				}
			}
		}
		for _, a := range []string{ActionInbox, ActionPreferences, ActionUnsubscribe} {
			if _, err := s.URL(Link{PayerID: 123456, DigestID: 987654, Action: a, Channel: "email", Generation: 2}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkParse checks one link, as GET /l/:token does.
func BenchmarkParse(b *testing.B) {
	s := benchSigner()
	tok, err := s.Token(Link{PayerID: 123456, DigestID: 987654, Action: ActionDispute, InvoiceID: 4567890, Channel: "email", Generation: 2})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		if _, err := s.Parse(tok); err != nil {
			b.Fatal(err)
		}
	}
}
