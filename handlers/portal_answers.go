package handlers

import (
	"context"
	"fmt"
	"math"
	"time"
)

// usualAnswers fills each vendor's usual first-reply time on the portal
// inbox (issue 12: "let your customers know you track it").
func (s *Server) usualAnswers(ctx context.Context, vs []inboxVendor) error {
	ids := make([]int64, len(vs))
	for i, v := range vs {
		ids[i] = v.ID
	}
	usual, err := s.usualAnswerTimes(ctx, ids)
	if err != nil {
		return err
	}
	for i := range vs {
		vs[i].Answers = usual[vs[i].ID]
	}
	return nil
}

// usualAnswerTimes words the usual first-reply time of each of the vendors
// that has one to show (analytics.UsualFirstReply), for the portal's inbox
// and for the conversations on an invoice's page.
func (s *Server) usualAnswerTimes(ctx context.Context, vendorIDs []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if s.analytics == nil || len(vendorIDs) == 0 {
		return out, nil
	}
	usual, err := s.analytics.UsualFirstReply(ctx, vendorIDs)
	if err != nil {
		return nil, err
	}
	for id, d := range usual {
		out[id] = within(d)
	}
	return out, nil
}

// within words a duration for "usually answers within …", rounded up.
func within(d time.Duration) string {
	switch h := d.Hours(); {
	case h <= 1:
		return "an hour"
	case h < 24:
		return fmt.Sprintf("%.0f hours", math.Ceil(h))
	case h <= 24:
		return "a day"
	default:
		return fmt.Sprintf("%.0f days", math.Ceil(h/24))
	}
}
