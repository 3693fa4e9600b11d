package handlers

import (
	_ "embed"
	"html/template"
	"net/http"

	"github.com/gin-gonic/gin"
)

// problemType describes one problem code the hub answers, for the page its
// problem type URI (/problems/<code>) resolves to.
type problemType struct {
	Code   string
	Status int
	Title  string
	// Means is what happened; Do is what the client should do about it.
	Means string
	Do    string
}

// problemTypes lists every problem code the hub answers. A code passed to
// newProblem must be described here (TestProblemTypesListEveryCode).
var problemTypes = []problemType{
	{"malformed_json", http.StatusBadRequest, "The body is not valid JSON",
		"The request body is not one JSON value: it is empty, truncated, followed by more data, or holds an unescaped control byte in a string.",
		"Send one JSON object, encoded as UTF-8. Nothing was stored."},
	{"unsupported_media_type", http.StatusUnsupportedMediaType, "The body must be JSON",
		"The request has a body declared with a Content-Type other than application/json (a charset may only be utf-8).",
		"Send the body as Content-Type: application/json. Nothing was stored."},
	{"invalid_cursor", http.StatusBadRequest, "The cursor is not valid here",
		"The cursor is not a next_cursor of this list, with these filters, for this API key's vendor (or it is garbled).",
		"Send the same filters as the page that gave the cursor, or start again without cursor."},
	{"unauthorized", http.StatusUnauthorized, "A valid API key is required",
		"The Authorization header is missing, malformed, or names an unknown or revoked API key.",
		"Send Authorization: Bearer dh_live_… with a current key of your vendor account."},
	{"vendor_suspended", http.StatusForbidden, "The vendor account is suspended", // issue 15
		"The hub's operator suspended this vendor account, or has not approved it yet: its API keys open nothing and its invoices are left out of digests.",
		"Contact the hub's operator. Nothing was done."},
	{"operator_unauthorized", http.StatusUnauthorized, "The operator token is required",
		"This operator page (the dev outbox) is behind DUEHUB_OPERATOR_TOKEN, and the request did not carry it.",
		"Send Authorization: Bearer <DUEHUB_OPERATOR_TOKEN>. The token is never taken from the URL."},
	{"not_found", http.StatusNotFound, "Not found",
		"There is no such route, or you have no object with this id.",
		"Check the path and the id; ids are your own external_id, percent-encoded."},
	{"method_not_allowed", http.StatusMethodNotAllowed, "Method not allowed",
		"The path exists but does not take this method.",
		"Use one of the methods the Allow header lists."},
	{"idempotency_key_in_flight", http.StatusConflict, "Request in progress",
		"The first request with this Idempotency-Key is still running.",
		"Retry later with the same key and the same body."},
	{"body_too_large", http.StatusRequestEntityTooLarge, "The request body is too large",
		"The body is over the limit of the operation: 256 KiB for one object, 8 MiB for a batch.",
		"Split the request, such as a batch into smaller batches."},
	{"validation_failed", http.StatusUnprocessableEntity, "The request has invalid fields",
		"Some fields, query parameters or headers are invalid; errors lists every one with its JSON path and what is expected.",
		"Fix every field errors names and send the request again. Nothing was stored."},
	{"idempotency_key_reused", http.StatusUnprocessableEntity, "Idempotency-Key reused",
		"This Idempotency-Key was used in the last 24 hours with another path or body.",
		"Use a new key for a new request; reuse a key only to retry the very same request."},
	{"rate_limited", http.StatusTooManyRequests, "Too many requests",
		"This API key sent more requests than its limit allows, or this client address failed authentication too often.",
		"Wait the seconds Retry-After gives, then retry; the RateLimit-* headers say where you stand. Nothing was done."},
	{"internal", http.StatusInternalServerError, "Internal server error",
		"The hub failed; the failure is logged for its operator.",
		"Retry later; PUT is idempotent, and a POST with an Idempotency-Key is safe to retry."},
	{"overloaded", http.StatusServiceUnavailable, "The hub is overloaded",
		"More requests arrived than the hub can work on at once: this one was refused before it started (nothing was done), or cut off at its deadline (a transaction it had open was rolled back).",
		"Wait the seconds Retry-After gives (1), then retry; PUT is idempotent, and a POST with an Idempotency-Key is safe to retry."},
	{"bad_signature", http.StatusUnauthorized, "The webhook signature is not valid",
		"A provider webhook (SendGrid, Twilio) arrived without a valid signature; it answers 401 for SendGrid and 403 for Twilio.",
		"Only the configured provider can call these webhooks; check the hub's provider keys."},
	{"malformed_events", http.StatusBadRequest, "The body is not a SendGrid event array",
		"A SendGrid event webhook body is not a JSON array of events.",
		"Nothing to do unless you operate the hub: SendGrid sends these."},
	{"malformed_form", http.StatusBadRequest, "The body is not a form",
		"A Twilio webhook body is not a form.",
		"Nothing to do unless you operate the hub: Twilio sends these."},
}

//go:embed templates/problems.html
var problemsHTML string

var problemsPage = template.Must(template.New("layout").Parse(problemsHTML))

// problemPage answers GET /problems/<code>, the URI a problem's type
// resolves to: the code's description first, then every other code.
func (s *Server) problemPage(c *gin.Context) {
	code := c.Param("code")
	var this *problemType
	others := make([]problemType, 0, len(problemTypes))
	for i, p := range problemTypes {
		if p.Code == code {
			this = &problemTypes[i]
			continue
		}
		others = append(others, p)
	}
	if this == nil {
		s.fail(c, errNoRoute)
		return
	}
	s.renderPage(c, http.StatusOK, problemsPage, "problems", struct {
		This   problemType
		Others []problemType
	}{*this, others})
}
