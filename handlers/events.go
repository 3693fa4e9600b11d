package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/vendors"
	"github.com/duehub/duehub/webhooks"
)

// eventList is a page of the vendor's event feed. next_cursor is the id of
// the last event given (or the cursor sent, when there is nothing new): a
// poller always passes it back as after. Any event id the vendor holds (from
// this feed or a webhook) is a cursor too; the feed is gap-free from it (see
// vendors.Store.sequence).
type eventList struct {
	Data       []webhooks.Event `json:"data"`
	NextCursor *string          `json:"next_cursor"`
	HasMore    bool             `json:"has_more"`
}

func (s *Server) listEvents(c *gin.Context) {
	limit := defaultLimit
	if raw := c.Query("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxLimit {
			s.fail(c, vendors.Invalid("limit", "must be an integer from 1 to 500"))
			return
		}
		limit = n
	}
	var after int64
	var cursor *string
	if raw := c.Query("after"); raw != "" {
		if !vendors.ValidEventID(raw) {
			s.fail(c, vendors.Invalid("after", "must be an event id or a next_cursor this API returned, like evt_4sGq0Lx2mN8pRt6vW1yZ3bCd"))
			return
		}
		pos, err := s.vendors.EventPos(c.Request.Context(), vendorID(c), raw)
		if errors.Is(err, vendors.ErrNotFound) {
			s.fail(c, vendors.Invalid("after", "is not one of your events: pass an event id or a next_cursor this API returned"))
			return
		}
		if err != nil {
			s.fail(c, err)
			return
		}
		after, cursor = pos, &raw
	}
	evs, err := s.vendors.Events(c.Request.Context(), vendorID(c), after, limit+1)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := eventList{Data: make([]webhooks.Event, 0, len(evs)), NextCursor: cursor, HasMore: len(evs) > limit}
	if out.HasMore {
		evs = evs[:limit]
	}
	for _, e := range evs {
		out.Data = append(out.Data, webhooks.EventOf(e))
	}
	if len(out.Data) > 0 {
		out.NextCursor = &out.Data[len(out.Data)-1].ID
	}
	c.JSON(http.StatusOK, out)
}
