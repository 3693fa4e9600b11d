package handlers

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/locale"
	"github.com/duehub/duehub/payers"
)

// How pages and emails write dates and times (issue 13): a day is written
// by locale.Day in the reader's locale, "1 Dec 2026" by default (formatDay
// on vendor pages, portalDay in the payer's portal), a moment
// "1 Dec 2026, 09:00" in the reader's timezone.

// formatMoment writes an instant as a vendor's team reads it, in the
// vendor's timezone and the default locale.
func formatMoment(t time.Time, loc *time.Location) string {
	return locale.Moment(locale.Default, t.In(loc))
}

// civilOf is the calendar day of t in loc.
func civilOf(t time.Time, loc *time.Location) civil.Date { return civil.Of(t.In(loc)) }

// portalDay writes a day in the portal as the signed-in payer reads it,
// in its locale (locale.Day); vendor pages use formatDay.
func portalDay(c *gin.Context, d civil.Date) string {
	return locale.Day(payerLocale(c), d)
}

// payerLocale is the locale of the portal request's payer ("" before
// portalAuth has read it, which is the default).
func payerLocale(c *gin.Context) string {
	if p, ok := c.Get(ctxPayer); ok {
		return p.(payers.Payer).Locale
	}
	return ""
}

// payerMoment writes an instant in the portal: the payer's timezone and
// locale.
func (s *Server) payerMoment(c *gin.Context, t time.Time) string {
	loc := time.UTC
	if p, ok := c.Get(ctxPayer); ok {
		loc = p.(payers.Payer).Location()
	}
	return locale.Moment(payerLocale(c), t.In(loc))
}
