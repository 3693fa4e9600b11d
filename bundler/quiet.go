package bundler

import (
	"time"

	"github.com/duehub/duehub/civil"
)

// SMS may reach a payer only from 08:00 until 21:00 payer-local.
const (
	SMSFromHour  = 8
	SMSUntilHour = 21
)

// SMSAllowed reports whether an SMS may be sent at now to a payer in loc
// (nil: UTC): from 08:00:00 up to, not including, 21:00:00 local.
func SMSAllowed(now time.Time, loc *time.Location) bool {
	h := now.In(orUTC(loc)).Hour()
	return h >= SMSFromHour && h < SMSUntilHour
}

// NextSMSTime returns now when an SMS is allowed, else the next 08:00
// payer-local (today's before 08:00, tomorrow's after 21:00).
func NextSMSTime(now time.Time, loc *time.Location) time.Time {
	loc = orUTC(loc)
	if SMSAllowed(now, loc) {
		return now
	}
	local := now.In(loc)
	day := civil.Of(local)
	if local.Hour() >= SMSUntilHour {
		day = day.AddDays(1)
	}
	return wallClock(day, SMSFromHour, 0, loc)
}
