package handlers

import (
	"time"

	"github.com/duehub/duehub/civil"
)

// How pages and emails write dates and times (issue 13): a day is
// "1 Dec 2026" (formatDay), a moment "1 Dec 2026, 09:00" in the reader's
// timezone.

// formatMoment writes an instant as its reader reads it.
func formatMoment(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2 Jan 2006, 15:04")
}

// civilOf is the calendar day of t in loc.
func civilOf(t time.Time, loc *time.Location) civil.Date { return civil.Of(t.In(loc)) }
