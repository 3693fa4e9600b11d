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
	if s.analytics == nil || len(vs) == 0 {
		return nil
	}
	ids := make([]int64, len(vs))
	for i, v := range vs {
		ids[i] = v.ID
	}
	usual, err := s.analytics.UsualFirstReply(ctx, ids)
	if err != nil {
		return err
	}
	for i := range vs {
		if d, ok := usual[vs[i].ID]; ok {
			vs[i].Answers = within(d)
		}
	}
	return nil
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
