package threads

import "time"

// WaitingSince is when the customer started waiting for the vendor's team:
// the question itself until a first reply, then its latest change (a
// payer's reply reopens an answered thread). The web inbox's queue and the
// weekly summary measure the response-time target from it.
func (t Thread) WaitingSince() time.Time {
	if t.FirstResponseAt == nil {
		return t.CreatedAt
	}
	return t.UpdatedAt
}
