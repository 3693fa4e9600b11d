package bundler

import (
	"html/template"
	"strings"
	"unicode/utf8"
)

// The invoice lines are most of a digest (up to MaxLines, each with four
// links), and html/template's reflective evaluation and per-action escaper
// pipelines cost more than everything else in rendering. So each line is
// written here, by hand, and the templates print a vendor's lines whole
// ({{.InvoiceRows}}, {{.HeldText}}, ...): one call per vendor, not some
// twenty reflective evaluations per line. The escaping is html/template's own, applied per context:
// htmlText for text nodes, urlAttr for href values (scheme filter, URL
// normalisation, attribute escaping); vendor text comes pre-escaped from
// vendorText.HTML. TestLineWriterMatchesTemplate holds the output byte
// for byte to what the templates wrote before.

// InvoiceRows are the table rows of the vendor's remindable invoices.
func (v *vendorView) InvoiceRows() template.HTML { return linesHTML(v.Invoices) }

// HeldRows are the table rows of the vendor's invoices on hold.
func (v *vendorView) HeldRows() template.HTML { return linesHTML(v.Held) }

// InvoiceText is the plain text of the vendor's remindable invoices.
func (v *vendorView) InvoiceText() string { return linesText(v.Invoices) }

// HeldText is the plain text of the vendor's invoices on hold.
func (v *vendorView) HeldText() string { return linesText(v.Held) }

func linesHTML(lines []lineView) template.HTML {
	if len(lines) == 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(len(lines) * (900 + 200*len(lines[0].Links)))
	for i := range lines {
		b.WriteByte('\n')
		lines[i].writeHTML(&b)
	}
	return template.HTML(b.String())
}

func linesText(lines []lineView) string {
	if len(lines) == 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(len(lines) * (100 + 100*len(lines[0].Links)))
	for i := range lines {
		lines[i].writeText(&b)
	}
	return b.String()
}

// writeHTML writes the line's table rows for the HTML part.
func (l *lineView) writeHTML(b *strings.Builder) {
	b.WriteString("\n<tr>\n<td style=\"padding:12px 0 0 0; border-top:1px solid #e4e7eb; font-size:15px; line-height:22px; word-break:break-word;\"><strong>")
	b.WriteString(l.Title)
	b.WriteString(string(l.Number.HTML()))
	b.WriteString("</strong></td>\n<td align=\"right\" style=\"padding:12px 0 0 12px; border-top:1px solid #e4e7eb; font-size:15px; line-height:22px; white-space:nowrap;\"><strong>")
	htmlText(b, l.Amount)
	b.WriteString("</strong></td>\n</tr>\n<tr>\n<td colspan=\"2\" style=\"padding:2px 0 0 0; font-size:14px; line-height:20px; color:#52606d;\">")
	if l.DueDate != "" {
		b.WriteString("Due ")
		htmlText(b, l.DueDate)
		b.WriteString(" · ")
	}
	b.WriteString("<strong style=\"color:")
	b.WriteString(toneCSS(l.Tone))
	b.WriteString(";\">")
	htmlText(b, l.Status)
	b.WriteString("</strong></td>\n</tr>")
	if reason := l.HoldReason.HTML(); reason != "" {
		b.WriteString("\n<tr>\n<td colspan=\"2\" style=\"padding:2px 0 0 0; font-size:14px; line-height:20px; color:#3e4c59;\">On hold: ")
		b.WriteString(string(reason))
		b.WriteString("</td>\n</tr>")
	}
	if l.HasMemo {
		b.WriteString("\n<tr>\n<td colspan=\"2\" style=\"padding:2px 0 0 0; font-size:14px; line-height:20px; color:#52606d; word-break:break-word;\">Memo: ")
		b.WriteString(string(l.Memo.HTML()))
		b.WriteString("</td>\n</tr>")
	}
	if len(l.Links) == 0 && !l.PayDirect {
		b.WriteString("\n<tr><td colspan=\"2\" style=\"padding:0 0 12px 0; font-size:1px; line-height:1px;\">&nbsp;</td></tr>")
		return
	}
	b.WriteString("\n<tr>\n<td colspan=\"2\" style=\"padding:8px 0 12px 0; font-size:14px; line-height:24px;\">")
	if l.PayDirect {
		b.WriteString("<span style=\"color:#3e4c59;\">Pay the vendor directly</span>")
	}
	for i, k := range l.Links {
		if i > 0 || l.PayDirect {
			b.WriteString(" &nbsp;·&nbsp; ")
		}
		b.WriteString("<a href=\"")
		urlAttr(b, k.URL)
		b.WriteString("\" style=\"color:#1f4e79; text-decoration:underline;")
		if k.Primary {
			b.WriteString(" font-weight:bold;\"><strong>")
			htmlText(b, k.Label)
			b.WriteString("</strong></a>")
		} else {
			b.WriteString("\">")
			htmlText(b, k.Label)
			b.WriteString("</a>")
		}
	}
	b.WriteString("</td>\n</tr>")
}

// writeText writes the line for the plain-text part; nothing is escaped
// there, vendor text is broken by vendorText.Text.
func (l *lineView) writeText(b *strings.Builder) {
	b.WriteString("\n")
	b.WriteString(l.Title)
	b.WriteString(l.Number.Text())
	b.WriteString(" · ")
	b.WriteString(l.Amount)
	b.WriteByte('\n')
	if l.DueDate != "" {
		b.WriteString("Due ")
		b.WriteString(l.DueDate)
		b.WriteString(" · ")
	}
	b.WriteString(l.Status)
	b.WriteByte('\n')
	if reason := l.HoldReason.Text(); reason != "" {
		b.WriteString("On hold: ")
		b.WriteString(reason)
		b.WriteByte('\n')
	}
	if l.HasMemo {
		b.WriteString("Memo: ")
		b.WriteString(l.Memo.Text())
		b.WriteByte('\n')
	}
	if l.PayDirect {
		b.WriteString("  Pay the vendor directly\n")
	}
	for _, k := range l.Links {
		// "  Label:" padded to 15 characters, as printf "%-15s" did.
		b.WriteString("  ")
		b.WriteString(k.Label)
		b.WriteByte(':')
		for n := utf8.RuneCountInString(k.Label) + 1; n < 15; n++ {
			b.WriteByte(' ')
		}
		b.WriteByte(' ')
		b.WriteString(k.URL)
		b.WriteByte('\n')
	}
}

// toneCSS is a tone as html/template writes it into a style attribute; the
// tones are our own constants, anything else is its failsafe.
func toneCSS(tone string) string {
	switch tone {
	case toneOverdue, toneToday, toneLater:
		return tone
	}
	return "ZgotmplZ"
}

// htmlText writes s escaped for an HTML text node or quoted attribute,
// exactly as html/template's escaper does: NUL becomes U+FFFD, and
// " & ' + < > become entities.
func htmlText(b *strings.Builder, s string) {
	start := 0
	for i := 0; i < len(s); i++ {
		var repl string
		switch s[i] {
		case 0:
			repl = "\uFFFD"
		case '"':
			repl = "&#34;"
		case '&':
			repl = "&amp;"
		case '\'':
			repl = "&#39;"
		case '+':
			repl = "&#43;"
		case '<':
			repl = "&lt;"
		case '>':
			repl = "&gt;"
		default:
			continue
		}
		b.WriteString(s[start:i])
		b.WriteString(repl)
		start = i + 1
	}
	b.WriteString(s[start:])
}

// urlAttr writes u as the value of a quoted href the way html/template
// does: a URL with a scheme other than http, https or mailto becomes
// "#ZgotmplZ"; bytes that may not stand in a URL are percent-encoded
// (valid %XX escapes are kept); then the result is attribute-escaped.
func urlAttr(b *strings.Builder, u string) {
	if !isSafeURL(u) {
		u = "#ZgotmplZ"
	}
	const hex = "0123456789abcdef"
	start := 0
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			continue
		case strings.IndexByte("!#$*,/:;=?@[]-._~", c) >= 0:
			continue
		case c == '&':
			b.WriteString(u[start:i])
			b.WriteString("&amp;")
		case c == '+':
			b.WriteString(u[start:i])
			b.WriteString("&#43;")
		case c == '%' && i+2 < len(u) && isHexDigit(u[i+1]) && isHexDigit(u[i+2]):
			continue
		default:
			b.WriteString(u[start:i])
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		}
		start = i + 1
	}
	b.WriteString(u[start:])
}

// isSafeURL is html/template's: relative, or http, https or mailto.
func isSafeURL(s string) bool {
	if protocol, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(protocol, "/") {
		return strings.EqualFold(protocol, "http") || strings.EqualFold(protocol, "https") || strings.EqualFold(protocol, "mailto")
	}
	return true
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
