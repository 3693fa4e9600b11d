package handlers

import (
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/vendors"
)

const (
	ctxVendorID = "duehub.vendor_id"
	ctxAPIKeyID = "duehub.api_key_id"
)

// authenticate admits requests bearing a live API key of a vendor. Every
// failure looks the same, so a caller learns nothing about which keys exist.
func (s *Server) authenticate(c *gin.Context) {
	h := c.GetHeader("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		s.fail(c, vendors.ErrUnauthorized)
		return
	}
	key, err := s.vendors.Authenticate(c.Request.Context(), strings.TrimSpace(token))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Set(ctxVendorID, key.VendorID)
	c.Set(ctxAPIKeyID, key.ID)
	c.Next()
}
