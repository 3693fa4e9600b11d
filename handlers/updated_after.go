package handlers

import (
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/vendors"
)

// updatedAfterMessage is what a bad updated_after is told.
const updatedAfterMessage = "must be an RFC 3339 timestamp like 2026-12-01T09:30:00Z"

// readUpdatedAfter reads the updated_after filter of a list: only rows whose
// updated_at is strictly later are listed. Zero when absent.
func readUpdatedAfter(c *gin.Context) (time.Time, *vendors.FieldError) {
	raw := c.Query("updated_after")
	if raw == "" {
		return time.Time{}, nil
	}
	t, ok := parseUpdatedAfter(raw)
	if !ok {
		return time.Time{}, &vendors.FieldError{Field: "updated_after", Message: updatedAfterMessage}
	}
	return t, nil
}

// parseUpdatedAfter parses an RFC 3339 timestamp (fractional seconds
// allowed) into UTC. A "+01:00" offset sent unencoded in a query string
// arrives as " 01:00"; it is read as the "+" it was meant to be.
func parseUpdatedAfter(raw string) (time.Time, bool) {
	if i := len(raw) - len(" 01:00"); i > 0 && raw[i] == ' ' {
		raw = raw[:i] + "+" + raw[i+1:]
	}
	if strings.ContainsAny(raw, " \t") {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, raw)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}
