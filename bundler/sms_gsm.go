package bundler

import (
	"strings"
	"unicode"
	"unicode/utf16"

	"golang.org/x/text/unicode/norm"
)

// The GSM 03.38 (3GPP TS 23.038) default alphabet. Characters of the basic
// table cost one septet; those of the extension table are sent as ESC plus
// a character and cost two. ESC itself (0x1B) is not a character.
const (
	gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtension = "\f^{}\\[~]|€"
)

// Segment sizes: one GSM-7 message holds 160 septets; a concatenated one
// 153 per segment (the user data header takes the rest). UCS-2: 70 and 67
// UTF-16 units.
const (
	gsmSingle, gsmPart   = 160, 153
	ucs2Single, ucs2Part = 70, 67
)

var gsmSeptets = func() map[rune]int {
	m := make(map[rune]int, 140)
	for _, r := range gsmBasic {
		m[r] = 1
	}
	for _, r := range gsmExtension {
		m[r] = 2
	}
	return m
}()

// GSM7Septets returns how many septets s takes in the GSM-7 alphabet
// (extension characters such as '{' and '€' count two) and whether every
// character of s is in it. When ok is false the message would go as UCS-2;
// n then counts each foreign character as one septet, as if replaced.
func GSM7Septets(s string) (n int, ok bool) {
	ok = true
	for _, r := range s {
		c, in := gsmSeptets[r]
		if !in {
			c, ok = 1, false
		}
		n += c
	}
	return n, ok
}

// SMSSegments returns how many segments s is sent as: GSM-7 when every
// character allows it, else UCS-2. An escape sequence (GSM-7) or a
// surrogate pair (UCS-2) is never split across segments, so a long
// message may take one segment more than its length divided by 153 or 67.
// The empty string takes none.
func SMSSegments(s string) int {
	if s == "" {
		return 0
	}
	if n, ok := GSM7Septets(s); ok {
		if n <= gsmSingle {
			return 1
		}
		return packSegments(s, gsmPart, func(r rune) int { return gsmSeptets[r] })
	}
	if n := len(utf16.Encode([]rune(s))); n <= ucs2Single {
		return 1
	}
	return packSegments(s, ucs2Part, func(r rune) int { return utf16.RuneLen(r) })
}

// packSegments fills segments of size units in order, starting a new one
// when a character does not fit whole.
func packSegments(s string, size int, cost func(rune) int) int {
	segs, used := 1, 0
	for _, r := range s {
		c := cost(r)
		if used+c > size {
			segs++
			used = 0
		}
		used += c
	}
	return segs
}

// toGSM rewrites s with GSM-7 characters only. Characters already in the
// alphabet stay ("Café", "Müller" are fine as they are); the others are
// transliterated where a reader would agree ("Ćevapi" → "Cevapi",
// "Łódź" → "Lodz", "Straße" stays, "ООО Ромашка" → "OOO Romashka",
// "ﬁ" → "fi") and dropped where no Latin spelling is obvious (CJK, Arabic,
// emoji). Control characters go; whitespace collapses to single spaces.
func toGSM(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		case r == '\x1b' || unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
		case gsmSeptets[r] > 0:
			b.WriteRune(r)
		default:
			b.WriteString(transliterate(r))
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// transliterate spells one non-GSM rune with GSM-7 characters, or "".
func transliterate(r rune) string {
	if t, ok := latinFallback[r]; ok {
		return t
	}
	if t, ok := cyrillic[unicode.ToLower(r)]; ok {
		if unicode.IsUpper(r) && t != "" {
			return strings.ToUpper(t[:1]) + t[1:]
		}
		return t
	}
	// Greek capitals such as Ω are in the alphabet; their small letters are not.
	if u := unicode.ToUpper(r); u != r && gsmSeptets[u] == 1 {
		return string(u)
	}
	// Compatibility decomposition strips accents and unfolds ligatures and
	// full-width forms: "ő" → "o"+"˝", "ﬁ" → "fi", "Ａ" → "A".
	var b strings.Builder
	for _, d := range norm.NFKD.String(string(r)) {
		if gsmSeptets[d] > 0 && d != '\n' && d != '\r' && d != '\f' {
			b.WriteRune(d)
		} else if t, ok := latinFallback[d]; ok {
			b.WriteString(t)
		}
	}
	return b.String()
}

// latinFallback spells characters that have no decomposition.
var latinFallback = map[rune]string{
	'Ł': "L", 'ł': "l", 'Đ': "D", 'đ': "d", 'Ħ': "H", 'ħ': "h", 'ı': "i", 'Ŀ': "L", 'ŀ': "l",
	'Œ': "OE", 'œ': "oe", 'Þ': "Th", 'þ': "th", 'Ð': "D", 'ð': "d", 'ĸ': "k", 'Ŋ': "N", 'ŋ': "n",
	'ſ': "s", 'ƒ': "f",
	'‘': "'", '’': "'", '‚': "'", '‛': "'", '′': "'", '“': "\"", '”': "\"", '„': "\"", '‟': "\"", '″': "\"",
	'«': "\"", '»': "\"", '‹': "'", '›': "'",
	'‐': "-", '‑': "-", '‒': "-", '–': "-", '—': "-", '―': "-", '−': "-",
	'…': "...", '·': ".", '•': "-", '×': "x", '÷': "/", '©': "(c)", '®': "(R)", '™': "TM",
	'`': "'", '´': "'", '¢': "c", '°': "o", '¨': "",
}

// cyrillic follows the ICAO Doc 9303 transliteration used in passports.
var cyrillic = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh", 'з': "z",
	'и': "i", 'й': "i", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r",
	'с': "s", 'т': "t", 'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh",
	'щ': "shch", 'ъ': "ie", 'ы': "y", 'ь': "", 'э': "e", 'ю': "iu", 'я': "ia",
	'є': "ie", 'і': "i", 'ї': "i", 'ґ': "g", 'ў': "u",
}
