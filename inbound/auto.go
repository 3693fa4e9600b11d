package inbound

import (
	"regexp"
	"strings"
)

// Why an email is ignored rather than routed.
const (
	IgnoreAutoReply = "auto_reply" // Auto-Submitted, Precedence, an out-of-office subject
	IgnoreOwn       = "own"        // our own message, looping back
	IgnoreBounce    = "bounce"     // a delivery report
)

var outOfOffice = regexp.MustCompile(`(?i)^\s*(out of (the )?office|automatic reply|auto(matic)?[ -]?(reply|response)|auto:|autoreply|abwesenheit|réponse automatique|respuesta automática|on vacation|away from (the )?office)`)

// Automatic says why e is not a person's reply ("" when it is one): an
// auto-reply (RFC 3834 Auto-Submitted, Precedence bulk/junk/list, the
// X-Autoreply family, an out-of-office subject), a bounce, or one of our
// own messages coming back. Answering any of them could start a loop.
func (e Email) Automatic(ownFrom []string, inboundDomain string) string {
	h := func(k string) string { return strings.ToLower(strings.TrimSpace(e.Header[k])) }
	local, domain, _ := strings.Cut(e.From, "@")
	switch {
	case e.From == "" || local == "mailer-daemon" || local == "postmaster" || h("Return-Path") == "<>":
		return IgnoreBounce
	case inboundDomain != "" && domain == inboundDomain, e.Header["X-Duehub-Message"] != "":
		return IgnoreOwn
	}
	for _, f := range ownFrom {
		if f != "" && strings.EqualFold(f, e.From) {
			return IgnoreOwn
		}
	}
	if v := h("Auto-Submitted"); v != "" && v != "no" {
		return IgnoreAutoReply
	}
	switch h("Precedence") {
	case "bulk", "junk", "list", "auto_reply":
		return IgnoreAutoReply
	}
	if h("X-Autoreply") != "" || h("X-Autorespond") != "" || outOfOffice.MatchString(e.Subject) {
		return IgnoreAutoReply
	}
	return ""
}
