package payers

import "strings"

// zoneByCallingCode maps an E.164 country calling code to a timezone only
// where every number under that code is in one IANA zone. Codes that span
// several zones are left out on purpose, because guessing would send a
// digest hours off for part of the payers: +1 (US, Canada and most of the
// Caribbean), +7 (Russia, Kazakhstan), +55 Brazil, +52 Mexico, +61
// Australia, +62 Indonesia, +64 New Zealand (Chatham), +34 Spain (Canaries),
// +351 Portugal (Azores), +86 China (Xinjiang keeps its own time). Calling
// codes are prefix-free, so a simple prefix test cannot pick the wrong
// entry.
var zoneByCallingCode = map[string]string{
	"27":  "Africa/Johannesburg",
	"30":  "Europe/Athens",
	"31":  "Europe/Amsterdam",
	"32":  "Europe/Brussels",
	"33":  "Europe/Paris",
	"353": "Europe/Dublin",
	"39":  "Europe/Rome",
	"41":  "Europe/Zurich",
	"43":  "Europe/Vienna",
	"44":  "Europe/London",
	"45":  "Europe/Copenhagen",
	"46":  "Europe/Stockholm",
	"47":  "Europe/Oslo",
	"48":  "Europe/Warsaw",
	"49":  "Europe/Berlin",
	"65":  "Asia/Singapore",
	"81":  "Asia/Tokyo",
	"82":  "Asia/Seoul",
	"852": "Asia/Hong_Kong",
	"91":  "Asia/Kolkata",
}

// DefaultTimezone returns the IANA timezone name a payer starts with, given
// its E.164 phone number ("+447700900123"): the zone of the country calling
// code when that code covers exactly one zone, else "UTC". The payer can
// change it; this only picks a sensible first window.
func DefaultTimezone(e164 string) string {
	digits, ok := strings.CutPrefix(e164, "+")
	if !ok {
		return "UTC"
	}
	for n := 1; n <= 3 && n <= len(digits); n++ {
		if zone, ok := zoneByCallingCode[digits[:n]]; ok {
			return zone
		}
	}
	return "UTC"
}
