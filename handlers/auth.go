package handlers

import (
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/audit"
	"github.com/duehub/duehub/vendors"
)

const (
	ctxVendorID = "duehub.vendor_id"
	ctxAPIKeyID = "duehub.api_key_id"
)

// authenticate admits requests bearing a live API key of a vendor. Every
// failure looks the same, so a caller learns nothing about which keys exist.
func (s *Server) authenticate(c *gin.Context) {
	token, ok := bearerToken(c.GetHeader("Authorization"))
	if !ok {
		s.fail(c, vendors.ErrUnauthorized)
		return
	}
	key, err := s.vendors.Authenticate(c.Request.Context(), token)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Set(ctxVendorID, key.VendorID)
	c.Set(ctxAPIKeyID, key.ID)
	// Issue 15: what the key does is audited in its name.
	c.Request = c.Request.WithContext(audit.WithActor(c.Request.Context(),
		audit.Actor{Kind: audit.ByAPIKey, ID: key.ID, Label: key.Prefix, IP: c.ClientIP()}))
	c.Next()
}

// bearerToken reads "Bearer <token>" from an Authorization header. The scheme
// is case-insensitive (RFC 7235 §2.1: bearer, BEARER) and followed by one or
// more spaces.
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
