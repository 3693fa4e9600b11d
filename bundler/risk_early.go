package bundler

import "github.com/duehub/duehub/civil"

// earlyPoint is the first mention of a high-risk invoice that its vendor's
// "mention high-risk invoices earlier" option (package risk) advances by
// advance days: advance days before the coverage point due-lead, but never
// beyond the digest's horizon (Window days before due, so that the digest
// it triggers lists it) and never before the invoice entered the hub. It
// only makes the payer's next regular digest due earlier; it never adds a
// message. False when advance is 0 or the point has passed.
func earlyPoint(due, entered, after civil.Date, lead, advance int) (civil.Date, bool) {
	if advance <= 0 {
		return civil.Date{}, false
	}
	d := due.AddDays(-min(lead+advance, Window))
	if d.Before(entered) {
		d = entered
	}
	if after.IsZero() || d.After(after) {
		return d, true
	}
	return civil.Date{}, false
}
