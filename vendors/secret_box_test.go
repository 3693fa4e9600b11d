package vendors

import (
	"errors"
	"strings"
	"testing"
)

func TestSecretBox(t *testing.T) {
	box, err := newSecretBox("hub-secret-0123456789abcdefghijklmnop")
	if err != nil {
		t.Fatal(err)
	}
	const plain = "whsec_0123456789abcdefghijABCDEFGHIJ0123456789"
	a, b := box.seal(plain, "we_1"), box.seal(plain, "we_1")
	if a == b {
		t.Error("two seals of one secret are equal: the nonce is not fresh")
	}
	for _, s := range []string{a, b} {
		if !strings.HasPrefix(s, "v1:") || strings.Contains(s, plain) || strings.Contains(s, plain[6:]) {
			t.Fatalf("sealed %q", s)
		}
		if got, err := box.open(s, "we_1"); err != nil || got != plain {
			t.Fatalf("open = %q, %v", got, err)
		}
	}
	other, _ := newSecretBox("another-hub-secret-0123456789abcdefgh")
	tampered := a[:len(a)-2] + map[bool]string{true: "AA", false: "BB"}[!strings.HasSuffix(a, "AA")]
	for name, open := range map[string]func() (string, error){
		"another DUEHUB_SECRET":  func() (string, error) { return other.open(a, "we_1") },
		"another endpoint's row": func() (string, error) { return box.open(a, "we_2") },
		"tampered":               func() (string, error) { return box.open(tampered, "we_1") },
		"truncated":              func() (string, error) { return box.open("v1:AAAA", "we_1") },
		"not base64":             func() (string, error) { return box.open("v1:***", "we_1") },
	} {
		if got, err := open(); !errors.Is(err, ErrSecretUnreadable) || got != "" {
			t.Errorf("%s: %q, %v; want ErrSecretUnreadable", name, got, err)
		}
	}
	// A secret stored before encryption is read as it is.
	if got, err := box.open(plain, "we_1"); err != nil || got != plain {
		t.Errorf("plaintext = %q, %v", got, err)
	}
	if _, err := newSecretBox(""); err == nil {
		t.Error("an empty hub secret gives a key")
	}
}

// FuzzSecretBoxOpen: whatever is stored in the column, open does not panic,
// and what seal makes, open gives back.
func FuzzSecretBoxOpen(f *testing.F) {
	box, err := newSecretBox("hub-secret-0123456789abcdefghijklmnop")
	if err != nil {
		f.Fatal(err)
	}
	f.Add("v1:", "whsec_x")
	f.Add("v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "")
	f.Add(box.seal("whsec_abc", "we_1"), "whsec_abc")
	f.Add("whsec_plain", "\x00")
	f.Fuzz(func(t *testing.T, stored, plain string) {
		if got, err := box.open(stored, "we_1"); err == nil && strings.HasPrefix(stored, sealedPrefix) && got == "" && len(stored) < 40 {
			t.Fatalf("open(%q) succeeded with nothing", stored)
		}
		if got, err := box.open(box.seal(plain, "we_1"), "we_1"); err != nil || got != plain {
			t.Fatalf("round trip of %q: %q, %v", plain, got, err)
		}
	})
}
