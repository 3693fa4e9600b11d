package imports

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// serialDate turns a date stored as a serial day number into YYYY-MM-DD.
// In the 1900 system day 1 is 1900-01-01 and day 60 is 29 February 1900, a
// day that never was (Lotus 1-2-3's leap-year bug, kept by Excel), so days
// after it count from 1899-12-30; in the 1904 system (old Mac workbooks)
// day 0 is 1904-01-01. A time of day (the fraction) is dropped.
func serialDate(v string, date1904 bool) (string, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > 2958465 { // 9999-12-31
		return "", false
	}
	days := int(math.Floor(f))
	var base time.Time
	switch {
	case date1904:
		base = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	case days == 60 || days == 0:
		return "", false // 1900-02-29 and 1900-01-00 are not dates
	case days < 60:
		base = time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)
	default:
		base = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	}
	return base.AddDate(0, 0, days).Format("2006-01-02"), true
}

// plainNumber is a number cell's text as a person would type it. Excel
// writes numbers as the shortest text that reads back as the same binary
// float, which is usually what was typed ("1250.5"); other writers leave
// float noise ("99.990000000000009") or exponents ("1.25E+3"). Such text is
// rounded to the 15 significant digits Excel shows and written out as a
// plain decimal, so that money.Parse reads exact minor units from text and
// never multiplies a float.
func plainNumber(v string) string {
	v = strings.TrimSpace(v)
	if !strings.ContainsAny(v, "eE") && significant(v) <= 15 {
		return v
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return v
	}
	f, _ = strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// significant counts the digits of v without leading zeros.
func significant(v string) int {
	n, started := 0, false
	for _, r := range v {
		if r >= '1' && r <= '9' || r == '0' && started {
			started = true
			n++
		}
	}
	return n
}
