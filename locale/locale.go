package locale

import (
	"strconv"
	"strings"
	"time"

	"github.com/duehub/duehub/civil"
	"golang.org/x/text/language"
)

// Default is the locale of a reader who chose none: "1 Dec 2026", which no
// reader misreads, unlike 12/01.
const Default = "en-GB"

// Option is a locale a payer may choose, with its name in its own language.
type Option struct {
	Code string // BCP 47, as stored: "en-GB", "de"
	Name string
}

// Supported are the locales days can be written in, the default first.
var Supported = []Option{
	{"en-GB", "English (UK)"},
	{"en-US", "English (US)"},
	{"de", "Deutsch"},
	{"es", "Español"},
	{"fr", "Français"},
	{"nl", "Nederlands"},
}

// format is one locale's CLDR abbreviated date: month names and how day,
// month and year are put together.
type format struct {
	months [12]string
	write  func(day int, month string, year int) string
}

func dayMonthYear(sep string) func(int, string, int) string {
	return func(d int, m string, y int) string {
		return strconv.Itoa(d) + sep + m + " " + strconv.Itoa(y)
	}
}

var formats = map[string]format{
	"en-GB": {[12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov", "Dec"}, dayMonthYear(" ")},
	"en-US": {[12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
		func(d int, m string, y int) string { return m + " " + strconv.Itoa(d) + ", " + strconv.Itoa(y) }},
	"de": {[12]string{"Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez."}, dayMonthYear(". ")},
	"es": {[12]string{"ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"}, dayMonthYear(" ")},
	"fr": {[12]string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."}, dayMonthYear(" ")},
	"nl": {[12]string{"jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"}, dayMonthYear(" ")},
}

// Day writes d as a reader of locale code reads it; an unknown or empty
// code writes the Default way, and the zero date is "".
func Day(code string, d civil.Date) string {
	if d.IsZero() || d.Month < 1 || d.Month > 12 {
		return ""
	}
	f, ok := formats[code]
	if !ok {
		f = formats[Default]
	}
	return f.write(d.Day, f.months[d.Month-1], d.Year)
}

// Moment writes an instant, already in the reader's timezone, as its day
// and time of day: "1 Dec 2026, 09:00"; "Dec 1, 2026, 9:00 AM" in en-US.
func Moment(code string, t time.Time) string {
	clock := t.Format("15:04")
	switch code {
	case "en-US":
		clock = t.Format("3:04 PM")
	case "es": // CLDR's "H:mm": no leading zero
		clock = strconv.Itoa(t.Hour()) + t.Format(":04")
	}
	return Day(code, civil.Of(t)) + ", " + clock
}

// Valid reports whether code is one of Supported, exactly as stored.
func Valid(code string) bool {
	_, ok := formats[code]
	return ok
}

var (
	tags    []language.Tag
	matcher language.Matcher
)

func init() {
	for _, o := range Supported {
		tags = append(tags, language.MustParse(o.Code))
	}
	matcher = language.NewMatcher(tags)
}

// Match turns a language tag from outside ("de-AT", "en_AU", "fr-CA") into
// the closest supported locale, or "" when none is close: an Austrian
// reader gets "de", an Australian one en-GB's day-month order.
func Match(tag string) string {
	tag = strings.ReplaceAll(strings.TrimSpace(tag), "_", "-")
	if tag == "" {
		return ""
	}
	t, err := language.Parse(tag)
	if err != nil {
		return ""
	}
	_, i, conf := matcher.Match(t)
	if conf < language.High {
		return ""
	}
	return Supported[i].Code
}

// DueStatus says where an invoice stands against its due date, given how
// many days overdue it is on the reader's day (> 0 overdue, 0 due that day,
// < 0 before): "5 days overdue", "due today", "due tomorrow", "due in 3
// days". The digest, the SMS and the portal all write it with this, from
// the payer's own calendar day, so they never disagree.
func DueStatus(daysOverdue int) string {
	switch {
	case daysOverdue > 0:
		return days(daysOverdue) + " overdue"
	case daysOverdue == 0:
		return "due today"
	case daysOverdue == -1:
		return "due tomorrow"
	}
	return "due in " + days(-daysOverdue)
}

func days(n int) string {
	if n == 1 {
		return "1 day"
	}
	return strconv.Itoa(n) + " days"
}
