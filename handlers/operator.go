package handlers

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"strings"

	"github.com/gin-gonic/gin"
)

// errOperatorUnauthorized is a request for an operator page without the
// operator token.
var errOperatorUnauthorized = errors.New("the operator token is required")

// operatorAuth guards the operator's pages (the dev outbox) when the hub has
// an operator token: the request must send it as Authorization: Bearer.
// Never in the URL, where it would land in logs and browser history. Both
// sides are hashed before a constant-time compare, so neither the content
// nor the length of the token leaks through timing.
func (s *Server) operatorAuth(c *gin.Context) {
	if len(s.operator) == 0 {
		c.Next()
		return
	}
	scheme, token, _ := strings.Cut(c.GetHeader("Authorization"), " ")
	got, want := sha256.Sum256([]byte(strings.TrimSpace(token))), sha256.Sum256(s.operator)
	if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		s.fail(c, errOperatorUnauthorized)
		return
	}
	c.Next()
}
