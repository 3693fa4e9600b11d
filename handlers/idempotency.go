package handlers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"unicode"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/vendors"
)

// idempotent honours Idempotency-Key on POST: the same key and body replay the
// stored response; the same key with another body is refused (422); the same
// key while its first request runs is refused (409). Keys are per vendor.
//
// Like Stripe, only the result of a request that ran is kept: every 2xx, and
// the 4xx that answer about the state of what it acts on (404, 409). A
// request refused as sent (see refusedAsSent) changed nothing, and a 5xx
// failed on our side: both release the key, so a retry with the same key,
// the body fixed or not, runs afresh instead of replaying the failure.
func (s *Server) idempotent(c *gin.Context) {
	key := c.GetHeader("Idempotency-Key")
	if c.Request.Method != http.MethodPost || key == "" {
		c.Next()
		return
	}
	if len(key) > 255 || strings.IndexFunc(key, func(r rune) bool { return r > unicode.MaxASCII || !unicode.IsPrint(r) }) >= 0 {
		s.fail(c, vendors.Invalid("Idempotency-Key", "must be at most 255 printable ASCII characters"))
		return
	}
	body, err := readRaw(c, maxBatchBody)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	h := sha256.New()
	h.Write([]byte(c.Request.Method + " " + c.Request.URL.RequestURI() + "\n"))
	h.Write(body)
	hash := hex.EncodeToString(h.Sum(nil))

	ctx := c.Request.Context()
	vid := vendorID(c)
	stored, err := s.vendors.BeginIdempotent(ctx, vid, key, hash)
	if err != nil {
		s.fail(c, err)
		return
	}
	if stored != nil {
		c.Header("Idempotent-Replayed", "true")
		contentType := "application/json; charset=utf-8"
		if stored.Status >= 400 {
			contentType = "application/problem+json"
		}
		c.Data(stored.Status, contentType, stored.Body)
		c.Abort()
		return
	}
	rec := &recorder{ResponseWriter: c.Writer}
	c.Writer = rec
	c.Next()
	// The request's own context may be cancelled by now; the key must still be settled.
	settle := context.WithoutCancel(ctx)
	if status := rec.Status(); status >= 500 || refusedAsSent(status) {
		err = s.vendors.AbortIdempotent(settle, vid, key)
	} else {
		err = s.vendors.FinishIdempotent(settle, vid, key, vendors.StoredResponse{Status: rec.Status(), Body: rec.body.Bytes()})
	}
	if err != nil {
		s.log.ErrorContext(ctx, "settle idempotency key", "err", err)
	}
}

// refusedAsSent reports whether a status means the request was refused as
// sent, before it changed anything: malformed (400), too large (413), not
// JSON (415), invalid fields (422), rate limited (429). In this API a 4xx
// never comes with a change: every handler validates, then writes in one
// transaction.
func refusedAsSent(status int) bool {
	switch status {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType,
		http.StatusUnprocessableEntity, http.StatusTooManyRequests:
		return true
	}
	return false
}

// recorder keeps a copy of the response body.
type recorder struct {
	gin.ResponseWriter
	body bytes.Buffer
}

func (r *recorder) Write(b []byte) (int, error) {
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

func (r *recorder) WriteString(s string) (int, error) {
	r.body.WriteString(s)
	return r.ResponseWriter.WriteString(s)
}
