package bundler

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"strconv"
	"strings"
	texttemplate "text/template"

	"github.com/duehub/duehub/money"
)

//go:embed templates
var templateFS embed.FS

// The templates are parsed once; both kinds are safe for concurrent use.
var (
	emailHTML = htmltemplate.Must(htmltemplate.New("digest.html").ParseFS(templateFS, "templates/digest.html"))
	emailText = texttemplate.Must(texttemplate.New("digest.txt").ParseFS(templateFS, "templates/digest.txt"))
)

// ErrEmptyDigest is returned when a digest holds no invoice at all: sending
// it would be a reminder about nothing.
var ErrEmptyDigest = errors.New("bundler: digest has no invoices")

// RenderEmail renders d as an email: its subject, plain-text part and HTML
// part. Vendor-supplied text (names, domains, invoice numbers, memos) is
// shown as plain text only, with auto-linking broken (see plainText).
func RenderEmail(d Digest) (subject, text, html string, err error) {
	if err := checkEmailDigest(d); err != nil {
		return "", "", "", err
	}
	v := newEmailView(d)
	// Sized for a full digest so the buffers do not grow (and copy) a
	// dozen times: about 1.2 KB of HTML and 0.4 KB of text per line.
	lines := d.InvoiceCount() + heldCount(d)
	var h, t bytes.Buffer
	h.Grow(6<<10 + 1200*lines)
	t.Grow(2<<10 + 400*lines)
	if err := emailHTML.Execute(&h, v); err != nil {
		return "", "", "", fmt.Errorf("bundler: render email html: %w", err)
	}
	if err := emailText.Execute(&t, v); err != nil {
		return "", "", "", fmt.Errorf("bundler: render email text: %w", err)
	}
	return v.Subject, t.String(), h.String(), nil
}

func checkEmailDigest(d Digest) error {
	if d.InvoiceCount() == 0 && heldCount(d) == 0 {
		return ErrEmptyDigest
	}
	for _, l := range []struct{ name, url string }{
		{"inbox", d.InboxURL}, {"preferences", d.PreferencesURL}, {"unsubscribe", d.UnsubscribeURL},
	} {
		if l.url == "" {
			return fmt.Errorf("bundler: render email: digest %d has no %s URL", d.ID, l.name)
		}
	}
	return nil
}

// subject reads "3 vendors · 7 invoices · USD 12,340.00 due"; when every
// invoice is on hold it says so rather than claiming an amount is due.
func subject(d Digest) string {
	if d.Urgent {
		return "Due now: " + plural(d.InvoiceCount(), "invoice") + " · " + joinTotals(dueOf(d), " + ")
	}
	n := d.InvoiceCount() + d.Omitted
	if n == 0 {
		return plural(vendorsWith(d, true), "vendor") + " · " + plural(heldCount(d), "invoice") + " on hold"
	}
	return plural(vendorsWith(d, false)+d.OmittedVendors, "vendor") + " · " + plural(n, "invoice") + " · " + joinTotals(dueOf(d), " + ") + " due"
}

// vendorsWith counts vendors having remindable invoices, or (held) held ones.
func vendorsWith(d Digest, held bool) int {
	n := 0
	for _, v := range d.Vendors {
		if held && len(v.Held) > 0 || !held && len(v.Invoices) > 0 {
			n++
		}
	}
	return n
}

func heldCount(d Digest) int {
	n := 0
	for _, v := range d.Vendors {
		n += len(v.Held)
	}
	return n
}

func overdueCount(d Digest) int {
	n := 0
	for _, v := range d.Vendors {
		for _, l := range v.Invoices {
			if l.DaysOverdue > 0 {
				n++
			}
		}
	}
	return n
}

// dueOf returns the digest's totals, summing the lines when the builder left
// them empty so that a header never reads "nothing due" above invoices.
func dueOf(d Digest) money.Totals {
	if len(d.Due) > 0 {
		return d.Due
	}
	t := money.Totals{}
	for _, v := range d.Vendors {
		for c, a := range vendorDue(v) {
			t.Add(c, a)
		}
	}
	return t
}

func vendorDue(v VendorSection) money.Totals {
	if len(v.Due) > 0 {
		return v.Due
	}
	t := money.Totals{}
	for _, l := range v.Invoices {
		t.Add(l.Currency, l.AmountRemaining)
	}
	return t
}

func joinTotals(t money.Totals, sep string) string { return strings.Join(t.List(), sep) }

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
