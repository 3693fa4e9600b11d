package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/vendors"
)

// problem is an RFC 9457 problem detail.
type problem struct {
	Type   string               `json:"type"`
	Title  string               `json:"title"`
	Status int                  `json:"status"`
	Code   string               `json:"code"`
	Detail string               `json:"detail,omitempty"`
	Errors []vendors.FieldError `json:"errors,omitempty"`
	// RequestID repeats the Request-Id header, for support.
	RequestID string `json:"request_id,omitempty"`
}

// errMalformedJSON is a body that is not JSON at all.
var errMalformedJSON = errors.New("the body is not valid JSON")

// errMethodNotAllowed and errNoRoute answer requests no route takes.
var (
	errNoRoute          = errors.New("no such route")
	errMethodNotAllowed = errors.New("method not allowed on this route")
)

func newProblem(status int, code, title, detail string) problem {
	return problem{Type: "/problems/" + code, Title: title, Status: status, Code: code, Detail: detail}
}

// problemFor turns an error into its HTTP problem. It is the one place where
// errors become statuses.
func problemFor(err error) problem {
	var ve *vendors.ValidationError
	var tooLarge *http.MaxBytesError
	var limited *rateLimited
	switch {
	case errors.As(err, &limited):
		return newProblem(http.StatusTooManyRequests, "rate_limited", "Too many requests",
			fmt.Sprintf("Over the limit of %s: retry after %d seconds.", limited.d.Rule, ceilSeconds(limited.d.RetryAfter, 1)))
	case errors.As(err, &ve):
		p := newProblem(http.StatusUnprocessableEntity, "validation_failed", "The request has invalid fields", ve.Error())
		p.Errors = ve.Fields
		return p
	case errors.As(err, &tooLarge):
		return newProblem(http.StatusRequestEntityTooLarge, "body_too_large", "The request body is too large", err.Error())
	case errors.Is(err, errUnsupportedMediaType):
		return newProblem(http.StatusUnsupportedMediaType, "unsupported_media_type", "The body must be JSON", err.Error())
	case errors.Is(err, errBadCursor):
		p := newProblem(http.StatusBadRequest, "invalid_cursor", "The cursor is not valid here", err.Error())
		p.Errors = []vendors.FieldError{{Field: "cursor",
			Message: "is not a next_cursor this list returned with these filters; start again without cursor"}}
		return p
	case errors.Is(err, errMalformedJSON):
		return newProblem(http.StatusBadRequest, "malformed_json", "The body is not valid JSON", err.Error())
	case errors.Is(err, vendors.ErrUnauthorized):
		return newProblem(http.StatusUnauthorized, "unauthorized", "A valid API key is required",
			"Send Authorization: Bearer dh_live_…")
	case errors.Is(err, vendors.ErrSuspended): // issue 15
		return newProblem(http.StatusForbidden, "vendor_suspended", "The vendor account is suspended",
			"The hub's operator suspended this vendor account (or has not approved it yet); contact the operator.")
	case errors.Is(err, errOperatorUnauthorized):
		return newProblem(http.StatusUnauthorized, "operator_unauthorized", "The operator token is required",
			"Send Authorization: Bearer <DUEHUB_OPERATOR_TOKEN>")
	case errors.Is(err, vendors.ErrNotFound), errors.Is(err, errNoRoute):
		return newProblem(http.StatusNotFound, "not_found", "Not found", "")
	case errors.Is(err, errMethodNotAllowed):
		return newProblem(http.StatusMethodNotAllowed, "method_not_allowed", "Method not allowed", "")
	case errors.Is(err, vendors.ErrIdempotencyMismatch):
		return newProblem(http.StatusUnprocessableEntity, "idempotency_key_reused", "Idempotency-Key reused", err.Error())
	case errors.Is(err, vendors.ErrIdempotencyInFlight):
		return newProblem(http.StatusConflict, "idempotency_key_in_flight", "Request in progress", err.Error())
	case errors.Is(err, errOverloaded), errors.Is(err, context.DeadlineExceeded):
		return newProblem(http.StatusServiceUnavailable, "overloaded", "The hub is overloaded",
			"More requests arrived than the hub can answer in time. Retry after 1 second.")
	}
	return newProblem(http.StatusInternalServerError, "internal", "Internal server error", "")
}

// fail answers with the problem for err and logs server-side failures.
func (s *Server) fail(c *gin.Context, err error) {
	if c.Request.Context().Err() == context.DeadlineExceeded {
		// The request's deadline passed: whatever the driver made of the
		// cancelled query (SQLite says "interrupted"), the hub was too busy.
		err = fmt.Errorf("%w: %w", errOverloaded, err)
	}
	p := problemFor(err)
	if p.Status >= 500 {
		s.log.ErrorContext(c.Request.Context(), "request failed", slog.String("request_id", requestIDOf(c)), slog.String("route", c.FullPath()),
			slog.String("method", c.Request.Method), slog.Any("err", err))
	}
	if p.Status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="duehub"`)
	}
	if p.Status == http.StatusServiceUnavailable {
		c.Header("Retry-After", "1")
	}
	if s.failPage(c, p) {
		return
	}
	writeProblem(c, p)
}

func writeProblem(c *gin.Context, p problem) {
	p.RequestID = requestIDOf(c)
	c.Header("Content-Type", "application/problem+json")
	c.AbortWithStatusJSON(p.Status, p)
}
