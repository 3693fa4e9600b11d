package bundler

import (
	"html/template"
	"strings"
	"unicode"
	"unicode/utf8"
)

// vendorText is text a vendor supplied (its name and domain, invoice
// numbers, memos; also the payer name, which vendors push): shown as plain
// text only, never as a link.
//
// Escaping is not enough for that: mail clients turn anything that looks
// like a URL, a domain or an address into a link on their own. The text is
// therefore broken the way Sanford Whiteman documents ("Stop email clients
// from hyperlinking text that's merely URL-like"): an invisible WORD JOINER
// (U+2060) goes before each '.', '@' and ':' inside a word, so
// "https://evil.example" becomes "https⁠://evil⁠.example", which looks the
// same but is no URL, since format characters cannot occur in one. Unlike a
// zero-width space, the word joiner adds no line-break opportunity. A dot
// between two digits is left alone (amounts, "2026.001" invoice numbers stay
// copyable) unless the word has three dots or more, as an IPv4 address does.
type vendorText struct{ s string }

func newVendorText(raw string, max int) vendorText { return vendorText{cleanText(raw, max)} }

// wordJoiner is U+2060; in HTML it is written as an entity so it survives
// any transfer encoding and is visible when reading the source.
const (
	wordJoiner     = "\u2060"
	wordJoinerHTML = "&#8288;"
)

// HTML escapes the text and breaks auto-linking with &#8288;.
func (v vendorText) HTML() template.HTML {
	return template.HTML(breakLinks(v.s, template.HTMLEscapeString, wordJoinerHTML))
}

// Alt is the text as an attribute value (the logo's alt text): the
// template escapes it, and no client links an attribute.
func (v vendorText) Alt() string { return v.s }

// Text breaks auto-linking with a literal U+2060, for the plain-text part:
// text/plain readers link URLs at least as eagerly as HTML ones.
func (v vendorText) Text() string {
	return breakLinks(v.s, func(s string) string { return s }, wordJoiner)
}

// breakLinks writes s through esc, with joiner before every position
// linkBreaks marks.
func breakLinks(s string, esc func(string) string, joiner string) string {
	if !strings.ContainsAny(s, linkGlue) {
		return esc(s) // most text: nothing to break, no rune slice to build
	}
	rs := []rune(s)
	marks := linkBreaks(rs)
	var b strings.Builder
	start := 0
	for i, m := range marks {
		if m {
			b.WriteString(esc(string(rs[start:i])))
			b.WriteString(joiner)
			start = i
		}
	}
	b.WriteString(esc(string(rs[start:])))
	return b.String()
}

// linkBreaks marks the '.', '@' and ':' (and their full-width forms, which
// IDNA maps to the ASCII ones) that sit inside a word: the places where a
// URL, a domain or an email address holds together.
func linkBreaks(rs []rune) []bool {
	marks := make([]bool, len(rs))
	for i, r := range rs {
		if !isLinkGlue(r) || i == 0 || i == len(rs)-1 || unicode.IsSpace(rs[i-1]) || unicode.IsSpace(rs[i+1]) {
			continue
		}
		if isDot(r) && isDigit(rs[i-1]) && isDigit(rs[i+1]) && dotsInWord(rs, i) < 3 {
			continue
		}
		marks[i] = true
	}
	return marks
}

func isDot(r rune) bool { return r == '.' || r == '。' || r == '．' || r == '｡' }

func isLinkGlue(r rune) bool { return isDot(r) || r == '@' || r == '＠' || r == ':' || r == '：' }

// linkGlue lists every rune isLinkGlue accepts.
const linkGlue = ".。．｡@＠:："

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// dotsInWord counts the dots of the space-delimited word around rs[i].
func dotsInWord(rs []rune, i int) int {
	lo, hi := i, i
	for lo > 0 && !unicode.IsSpace(rs[lo-1]) {
		lo--
	}
	for hi < len(rs)-1 && !unicode.IsSpace(rs[hi+1]) {
		hi++
	}
	n := 0
	for _, r := range rs[lo : hi+1] {
		if isDot(r) {
			n++
		}
	}
	return n
}

// cleanText makes vendor text fit one line of a message: control and
// format characters dropped (bidi overrides could reverse what the payer
// reads, zero-width characters could smuggle a link past linkBreaks),
// whitespace runs collapsed to one space, and at most max characters,
// cut with an ellipsis.
func cleanText(s string, max int) string {
	if isCleanASCII(s, max) {
		return s
	}
	return cleanAnyText(s, max)
}

// cleanAnyText is cleanText without the shortcut.
func cleanAnyText(s string, max int) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	out := b.String()
	if utf8.RuneCountInString(out) <= max {
		return out
	}
	rs := []rune(out)[:max-1]
	return strings.TrimRightFunc(string(rs), unicode.IsSpace) + "…"
}

// isCleanASCII reports whether cleanText would return s unchanged because
// it is short printable ASCII with single spaces only between words: most
// names, numbers and memos, which then cost no copy.
func isCleanASCII(s string, max int) bool {
	if len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' {
			if i == 0 || i == len(s)-1 || s[i-1] == ' ' {
				return false
			}
			continue
		}
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}
