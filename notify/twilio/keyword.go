package twilio

import "strings"

// Keyword classifies an inbound SMS the way carriers and Twilio's opt-out
// handling do: the whole message, trimmed and case-insensitive, must be the
// keyword. "Stop sending me these" is a reply to route, not an opt-out.
// It returns "stop", "start", "help" or "". YES, which Twilio also takes as
// opt-in, is left out: in a reply to a payment reminder it is more likely an
// answer than consent.
func Keyword(body string) string {
	switch strings.ToUpper(strings.Join(strings.Fields(body), " ")) {
	case "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", "OPT OUT":
		return "stop"
	case "START", "UNSTOP":
		return "start"
	case "HELP", "INFO":
		return "help"
	}
	return ""
}
