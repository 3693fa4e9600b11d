package handlers

import (
	"crypto/subtle"
	"errors"
	"log/slog"
	"mime"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/inbound"
)

// inboundMaxBody bounds an Inbound Parse post: the largest email we accept
// plus the form's own overhead (the raw message and SendGrid's parsed copy
// may both be in it).
const inboundMaxBody = 2*inbound.MaxEmail + 1<<20

// sendgridInbound answers POST /webhooks/sendgrid/inbound/:secret, SendGrid
// Inbound Parse. Inbound Parse does not sign its posts, so the secret in the
// path (DUEHUB_INBOUND_SECRET) is what proves the caller; a wrong one is a
// route that does not exist. Every decision about the reply, refusals
// included, is a 200: SendGrid retries only what we failed to store.
func (s *Server) sendgridInbound(c *gin.Context) {
	if subtle.ConstantTimeCompare([]byte(c.Param("secret")), s.inboundSecret) != 1 {
		s.fail(c, errNoRoute)
		return
	}
	mt, params, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		writeProblem(c, newProblem(http.StatusBadRequest, "malformed_form", "The body is not an Inbound Parse form",
			"Content-Type must be multipart/form-data with a boundary."))
		return
	}
	body, err := readRaw(c, inboundMaxBody)
	if err != nil {
		s.fail(c, err)
		return
	}
	e, err := inbound.ReadInboundParse(body, params["boundary"])
	if errors.Is(err, inbound.ErrTooLarge) {
		c.JSON(http.StatusOK, gin.H{"status": inbound.StatusRejected, "reason": "too_large"})
		return
	}
	if err != nil {
		writeProblem(c, newProblem(http.StatusBadRequest, "malformed_form", "The body is not an Inbound Parse form", err.Error()))
		return
	}
	out, err := s.inbound.Route(c.Request.Context(), "sendgrid", e)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.log.InfoContext(c.Request.Context(), "inbound parse", slog.String("status", out.Status), slog.String("reason", out.Reason))
	c.JSON(http.StatusOK, gin.H{"status": out.Status, "reason": out.Reason})
}
