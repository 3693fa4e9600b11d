package handlers

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

const (
	maxSingleBody = 256 << 10 // one invoice or credit
	maxBatchBody  = 8 << 20   // 1000 invoices with long memos and URLs
)

// errUnsupportedMediaType is a request body that is not declared as JSON.
var errUnsupportedMediaType = errors.New("the body must be sent with Content-Type: application/json")

// readBody reads a JSON request body, at most limit bytes. A body declared
// as anything but application/json (no charset or charset=utf-8) is refused
// with 415; a body with no Content-Type at all is read as JSON, strictly, as
// scripts and some HTTP clients send JSON without saying so and a body that
// is not JSON fails to decode anyway (400).
func readBody(c *gin.Context, limit int64) ([]byte, error) {
	if c.Request.ContentLength > 0 {
		if err := checkContentType(c.GetHeader("Content-Type")); err != nil {
			return nil, err
		}
	}
	body, err := readRaw(c, limit)
	if err != nil {
		return nil, err
	}
	if len(body) > 0 {
		if err := checkContentType(c.GetHeader("Content-Type")); err != nil {
			return nil, err
		}
	}
	return body, nil
}

// readRaw reads the request body as bytes, at most limit.
func readRaw(c *gin.Context, limit int64) ([]byte, error) {
	return io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
}

func checkContentType(header string) error {
	if header == "" {
		return nil
	}
	mediaType, params, err := mime.ParseMediaType(header)
	if err != nil || mediaType != "application/json" {
		return fmt.Errorf("%w, not %q", errUnsupportedMediaType, header)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return fmt.Errorf("%w; the only charset is utf-8, not %q", errUnsupportedMediaType, cs)
	}
	return nil
}
