package inbound

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// The reply is what the person wrote above the quoted message. Mail
// clients quote in a handful of shapes, which is what the approach of
// GitHub's email_reply_parser and Mailgun's talon rests on: find the first
// line that starts the quoted history (an attribution line, an Outlook
// header block, a separator) or the signature, and keep what is above it.

var (
	// "On Tue, Dec 1, 2026 at 9:02 AM Acme <x@y> wrote:", possibly wrapped
	// over two lines by the client; and its French, German, Spanish shapes.
	attribution = regexp.MustCompile(`(?is)^\s*(on\s.{0,300}\swrote|le\s.{0,300}\sa\sécrit|am\s.{0,300}\sschrieb|el\s.{0,300}\sescribió)\s?:\s*$`)
	outlookSep  = regexp.MustCompile(`(?i)^\s*(-{2,}\s*original message\s*-{2,}|-{2,}\s*forwarded message\s*-{2,}|_{10,}|begin forwarded message:)\s*$`)
	headerLine  = regexp.MustCompile(`(?i)^\s*\*?(from|de|von|van)\s*:\*?\s+\S`)
	headerNext  = regexp.MustCompile(`(?i)^\s*\*?(sent|date|to|subject|envoyé|gesendet|enviado)\s*:\*?`)
	spaces      = regexp.MustCompile(`\s+`)
	signoffs    = regexp.MustCompile(`(?i)^\s*(sent from my \w+|sent from (mail|outlook) for|get outlook for \w+|sent via )`)
)

// StripReply returns what the sender wrote, without quoted history or a
// signature: the part of text above the first line that starts either.
func StripReply(text string) string {
	lines := strings.Split(strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n"), "\n")
	end := len(lines)
	var own []bool
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		t := strings.TrimSpace(l)
		if t == "--" && strings.HasPrefix(l, "--") || signoffs.MatchString(l) || outlookSep.MatchString(l) {
			end = i
			break
		}
		if isAttribution(l) || (i+1 < len(lines) && strings.HasPrefix(strings.ToLower(t), "on ") &&
			!strings.Contains(strings.ToLower(t), "wrote") && isAttribution(l+" "+lines[i+1])) {
			end = i
			break
		}
		if headerLine.MatchString(l) && i+1 < len(lines) && (headerNext.MatchString(lines[i+1]) ||
			i+2 < len(lines) && headerNext.MatchString(lines[i+2])) {
			end = i
			break
		}
		if strings.HasPrefix(t, ">") {
			// A quote block: what follows is history too, unless the
			// sender writes between quotes (then we keep their lines).
			end = i
			if own == nil {
				own = ownTextAfter(lines)
			}
			if !own[i] {
				break
			}
			end = len(lines)
		}
	}
	var kept []string
	for _, l := range lines[:end] {
		if strings.HasPrefix(strings.TrimSpace(l), ">") {
			continue
		}
		kept = append(kept, strings.TrimRight(l, " \t"))
	}
	return strings.TrimSpace(strings.Join(kept, "\n"))
}

// isAttribution reports whether l is an "On … wrote:" line; such a line is
// short, and a long one is not worth the regular expression's time.
func isAttribution(l string) bool {
	return len(l) <= 600 && attribution.MatchString(l)
}

// ownTextAfter says for each line whether non-quoted text follows it,
// blank and quoted lines skipped (an inline answer), before a signature or
// an attribution line ends the sender's text.
func ownTextAfter(lines []string) []bool {
	own := make([]bool, len(lines)+1)
	for i := len(lines) - 1; i >= 0; i-- {
		l := lines[i]
		t := strings.TrimSpace(l)
		switch {
		case t == "" || strings.HasPrefix(t, ">"):
			own[i] = own[i+1]
		case t == "--" || signoffs.MatchString(l) || isAttribution(l):
			own[i] = false
		default:
			own[i] = true
		}
	}
	return own
}

// quoteContainers are the HTML elements mail clients wrap quoted history in.
func isQuoteContainer(t html.Token) bool {
	if t.DataAtom == atom.Blockquote {
		return true
	}
	for _, a := range t.Attr {
		switch {
		case a.Key == "class" && (strings.Contains(a.Val, "gmail_quote") || strings.Contains(a.Val, "gmail_signature") ||
			strings.Contains(a.Val, "moz-cite-prefix") || strings.Contains(a.Val, "yahoo_quoted")):
			return true
		case a.Key == "id" && (a.Val == "divRplyFwdMsg" || a.Val == "appendonsend" || strings.HasPrefix(a.Val, "AppleMailSignature") ||
			a.Val == "mail-editor-reference-message-container"):
			return true
		}
	}
	return false
}

// HTMLText turns an HTML reply into plain text, stopping at the first
// element a mail client puts quoted history or a signature in. Tags are
// dropped, never followed: the text is stored and shown as plain text.
func HTMLText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return tidy(b.String())
		case html.StartTagToken, html.SelfClosingTagToken:
			t := z.Token()
			if isQuoteContainer(t) {
				return tidy(b.String())
			}
			switch t.DataAtom {
			case atom.Script, atom.Style, atom.Head, atom.Title:
				if tt == html.StartTagToken {
					skip++
				}
			case atom.Br:
				b.WriteString("\n")
			case atom.P, atom.Div, atom.Li, atom.Tr, atom.H1, atom.H2, atom.H3, atom.Table:
				newline(&b)
			case atom.Hr:
				// Outlook's separator before the quoted header block.
				return tidy(b.String())
			}
		case html.EndTagToken:
			t := z.Token()
			switch t.DataAtom {
			case atom.Script, atom.Style, atom.Head, atom.Title:
				if skip > 0 {
					skip--
				}
			case atom.P:
				newline(&b)
				b.WriteString("\n")
			case atom.Div, atom.Li, atom.Tr:
				newline(&b)
			}
		case html.TextToken:
			if skip == 0 {
				b.WriteString(spaces.ReplaceAllString(string(z.Text()), " "))
			}
		}
	}
}

// newline ends the current line unless it is ended already.
func newline(b *strings.Builder) {
	if s := b.String(); s != "" && !strings.HasSuffix(s, "\n") {
		b.WriteString("\n")
	}
}

// tidy trims each line and collapses runs of blank lines.
func tidy(s string) string {
	var out []string
	blank := false
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			if !blank && len(out) > 0 {
				out = append(out, "")
			}
			blank = true
			continue
		}
		blank = false
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// Body is what the sender wrote: the plain text part without history, else
// the HTML part's text without history.
func (e Email) Body() string {
	if strings.TrimSpace(e.Text) != "" {
		return StripReply(e.Text)
	}
	if e.HTML != "" {
		return StripReply(HTMLText(e.HTML))
	}
	return ""
}
