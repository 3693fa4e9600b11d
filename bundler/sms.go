package bundler

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// SMSMaxSegments is the most a digest SMS may take: two concatenated GSM-7
// segments, 306 septets.
const SMSMaxSegments = 2

const (
	// maxShortURL bounds the SMS link. The short link is an opaque token on
	// the hub's base URL; a signed JWT would be several times longer.
	maxShortURL = 120
	// maxSMSName bounds one vendor's name so a single long name cannot
	// crowd out the others.
	maxSMSName = 40
)

var jwtShape = regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.`)

// RenderSMS renders d as one GSM-7 text of at most two segments: the amount
// due, the vendors it is owed to, the invoice counts and, last, d.ShortURL.
// Vendor names are transliterated to GSM-7 and broken so phones do not
// link them. When everything does not fit, the vendor list ends with
// "and N more vendors" (and, with very many currencies, the amounts with
// "N more currencies"); the link is never cut.
func RenderSMS(d Digest) (string, error) {
	if err := checkShortURL(d.ShortURL); err != nil {
		return "", err
	}
	n, held := d.InvoiceCount(), heldCount(d)
	if n == 0 && held == 0 {
		return "", ErrEmptyDigest
	}
	due := n > 0
	var names []string
	unnamed := 0
	for _, v := range d.Vendors {
		if due && len(v.Invoices) == 0 || !due && len(v.Held) == 0 {
			continue
		}
		if name := smsVendorName(v); name != "" {
			names = append(names, name)
		} else {
			unnamed++
		}
	}
	s := smsParts{totals: dueOf(d).List(), invoices: n, overdue: overdueCount(d), held: held, answers: d.Changes.Answers, link: d.ShortURL}
	for c := len(s.totals); c >= 0; c-- {
		if due && c == 0 {
			break
		}
		for k := len(names); k >= 0; k-- {
			msg := s.text(c, names[:k], len(names)-k+unnamed)
			if SMSSegments(msg) <= SMSMaxSegments {
				return msg, nil
			}
		}
	}
	return "", fmt.Errorf("bundler: render sms: digest %d does not fit in %d segments", d.ID, SMSMaxSegments)
}

type smsParts struct {
	totals                  []string
	invoices, overdue, held int
	// answers are the answers waiting (Changes.Answers): the SMS's short
	// form of "what changed", the one change the payer must open the inbox
	// to read.
	answers int
	link    string
}

// text writes the message with the first c totals and the given names,
// counting more vendors as "N more".
func (p smsParts) text(c int, names []string, more int) string {
	var b strings.Builder
	b.WriteString("duehub: ")
	vendors := vendorList(names, more)
	if p.invoices > 0 {
		b.WriteString(strings.Join(p.totals[:c], " + "))
		if rest := len(p.totals) - c; rest > 0 {
			word := " more currencies"
			if rest == 1 {
				word = " more currency"
			}
			b.WriteString(" + " + strconv.Itoa(rest) + word)
		}
		b.WriteString(" due to " + sentence(vendors) + " " + plural(p.invoices, "invoice"))
		if p.overdue > 0 {
			b.WriteString(", " + strconv.Itoa(p.overdue) + " overdue")
		}
		if p.held > 0 {
			b.WriteString(", " + strconv.Itoa(p.held) + " on hold")
		}
		b.WriteString(".")
	} else {
		b.WriteString(plural(p.held, "invoice") + " from " + vendors + " on hold; nothing is due now.")
	}
	if p.answers > 0 {
		b.WriteString(" " + answersWaiting(p.answers) + ".")
	}
	b.WriteString(" Reply STOP to opt out. Open your inbox: ")
	b.WriteString(p.link)
	return b.String()
}

// vendorList writes "A", "A and B", "A, B and C", "A, B and 3 more
// vendors" or, with no names, "3 vendors".
func vendorList(names []string, more int) string {
	switch {
	case len(names) == 0:
		return plural(more, "vendor")
	case more > 0:
		return strings.Join(names, ", ") + " and " + plural(more, "more vendor")
	case len(names) == 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// sentence ends s with one full stop, even after "Acme Inc.".
func sentence(s string) string {
	if strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}

// smsVendorName is the vendor's name in GSM-7, broken against phone
// auto-linking and at most maxSMSName septets; for a name with no Latin
// spelling (CJK, Arabic), the first label of its verified domain; else "".
func smsVendorName(v VendorSection) string {
	name := toGSM(cleanText(v.Name, maxName))
	if name == "" {
		name = toGSM(domainLabel(v.Domain))
	}
	return truncateSeptets(breakSMSLinks(name), maxSMSName)
}

// domainLabel returns "northwind" for "www.northwind.example"; "" for a
// punycode label, which means nothing to a reader.
func domainLabel(domain string) string {
	for _, l := range strings.Split(strings.ToLower(domain), ".") {
		if l != "" && l != "www" && !strings.HasPrefix(l, "xn--") {
			return l
		}
	}
	return ""
}

// breakSMSLinks puts a space after each '.', '@' and ':' inside a word
// (see linkBreaks): GSM-7 has no invisible character, and a phone links
// "pay-here.example" but not "pay-here. example".
func breakSMSLinks(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, m := range linkBreaks(rs) {
		b.WriteRune(rs[i])
		if m {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// truncateSeptets cuts s to at most max septets, ending it with "...".
func truncateSeptets(s string, max int) string {
	if n, _ := GSM7Septets(s); n <= max {
		return s
	}
	var b strings.Builder
	used := 0
	for _, r := range s {
		c, _ := GSM7Septets(string(r))
		if used+c > max-3 {
			break
		}
		b.WriteRune(r)
		used += c
	}
	return strings.TrimRightFunc(b.String(), func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) }) + "..."
}

var errNoShortURL = errors.New("bundler: render sms: digest has no short link")

// checkShortURL refuses a link that cannot go in an SMS as it is: missing,
// not GSM-7, with spaces, too long, or a JWT (DESIGN.md: never in an SMS).
func checkShortURL(u string) error {
	if u == "" {
		return errNoShortURL
	}
	n, ok := GSM7Septets(u)
	switch {
	case !ok || strings.ContainsFunc(u, unicode.IsSpace):
		return fmt.Errorf("bundler: render sms: short link %q is not plain GSM-7 text", u)
	case jwtShape.MatchString(u):
		return errors.New("bundler: render sms: the short link holds a JWT; an SMS carries only an opaque token")
	case n > maxShortURL:
		return fmt.Errorf("bundler: render sms: short link is %d characters, more than %d", n, maxShortURL)
	}
	return nil
}
