package audit

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzMask: a masked address never holds the address it masks (when it is
// long enough to hide anything), and never panics.
func FuzzMask(f *testing.F) {
	for _, s := range []string{"ap@acme.example", "+15551230000", "@x", "a@", "", "é@ü.example", "abcd"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m := Mask(s)
		if utf8.ValidString(s) && !utf8.ValidString(m) {
			t.Fatalf("Mask(%q) = %q is not UTF-8", s, m)
		}
		local, _, ok := strings.Cut(s, "@")
		if (ok && len(local) > 1 || !ok && len(s) > 4) && strings.Contains(m, s) {
			t.Fatalf("Mask(%q) = %q holds the address", s, m)
		}
	})
}
