package vendors

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/money"
)

const (
	maxExternalID = 128
	maxMemo       = 1000
	maxURL        = 2048
)

func checkExternalID(field, id string, fe *fieldErrors) {
	switch {
	case id == "":
		fe.add(field, "is required")
	case len([]rune(id)) > maxExternalID:
		fe.add(field, fmt.Sprintf("must be at most %d characters", maxExternalID))
	case !utf8.ValidString(id):
		fe.add(field, "must be valid UTF-8")
	case strings.IndexFunc(id, unicode.IsControl) >= 0:
		fe.add(field, "must not contain control characters")
	}
}

// Findable reports whether an id from a URL could name a stored object: one
// that is not valid UTF-8 or holds a control character cannot have been
// stored, and PostgreSQL refuses to even compare such text (NUL).
func Findable(id string) bool {
	return utf8.ValidString(id) && strings.IndexFunc(id, unicode.IsControl) < 0
}

func checkCurrency(field, code string, fe *fieldErrors) {
	switch {
	case code == "":
		fe.add(field, "is required")
	case len(code) != 3 || strings.ToUpper(code) != code:
		fe.add(field, "must be a three-letter upper-case ISO 4217 code like USD")
	case !money.Valid(code):
		fe.add(field, fmt.Sprintf("%q is not an ISO 4217 currency", code))
	}
}

func checkAmount(field string, v *int64, required bool, fe *fieldErrors) {
	switch {
	case v == nil && required:
		fe.add(field, "is required, in minor units (cents)")
	case v != nil && *v < 0:
		fe.add(field, "must not be negative")
	case v != nil && *v > money.MaxAmount:
		fe.add(field, fmt.Sprintf("must be at most %d minor units", money.MaxAmount))
	}
}

// Dates outside this range are typos (year 1, 20266) rather than invoices.
var (
	minDate = civil.Date{Year: 2000, Month: 1, Day: 1}
	maxDate = civil.Date{Year: 2099, Month: 12, Day: 31}
)

func parseDate(field, s string, required bool, fe *fieldErrors) civil.Date {
	if s == "" {
		if required {
			fe.add(field, "is required, like 2026-12-01")
		}
		return civil.Date{}
	}
	d, err := civil.Parse(s)
	switch {
	case err != nil:
		fe.add(field, "must be a date like 2026-12-01")
	case d.Before(minDate) || d.After(maxDate):
		fe.add(field, fmt.Sprintf("must be between %s and %s", minDate, maxDate))
	}
	return d
}

// checkLink accepts absolute https URLs, and plain http only for localhost;
// never with a user name or password, which would be shown to every payer.
func checkLink(field, raw string, fe *fieldErrors) {
	if raw == "" {
		return
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || len(raw) > maxURL {
		fe.add(field, "must be an absolute https URL")
		return
	}
	if u.User != nil {
		fe.add(field, "must not contain a user name or password")
		return
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLocalhost(u.Hostname()) {
			fe.add(field, "must use https (plain http only for localhost)")
		}
	default:
		fe.add(field, "must be an absolute https URL")
	}
}

func isLocalhost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func checkText(field, s string, max int, fe *fieldErrors) {
	if n := len([]rune(s)); n > max {
		fe.add(field, fmt.Sprintf("must be at most %d characters (got %d)", max, n))
	}
}
