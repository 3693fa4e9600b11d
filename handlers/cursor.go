package handlers

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/vendors"
)

const (
	defaultLimit = 100
	maxLimit     = 500
)

type page struct {
	after int64
	limit int
}

// readPage reads limit and the opaque cursor of a list request.
func readPage(c *gin.Context) (page, error) {
	p := page{limit: defaultLimit}
	if raw := c.Query("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxLimit {
			return p, vendors.Invalid("limit", "must be an integer from 1 to 500")
		}
		p.limit = n
	}
	if raw := c.Query("cursor"); raw != "" {
		id, ok := decodeCursor(raw)
		if !ok {
			return p, vendors.Invalid("cursor", "is not a cursor this API returned")
		}
		p.after = id
	}
	return p, nil
}

// Cursors are opaque to clients so that the ordering can change later.
func encodeCursor(id int64) *string {
	s := base64.RawURLEncoding.EncodeToString([]byte("c1:" + strconv.FormatInt(id, 10)))
	return &s
}

func decodeCursor(s string) (int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, false
	}
	rest, ok := strings.CutPrefix(string(b), "c1:")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	return id, err == nil && id > 0
}
