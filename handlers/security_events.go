package handlers

import (
	"github.com/gin-gonic/gin"
)

// logSecurity logs a security-relevant action taken through the vendor
// pages (issue 15: a vendor signed up, an API key created, rolled or
// revoked) with the request ID that ties it to the access log. The record
// that counts is the audit row the stores write in the same transaction as
// the change; this line is for whoever reads the hub's logs.
func (s *Server) logSecurity(c *gin.Context, action string, vendorID, memberID int64, target string) {
	s.log.InfoContext(c.Request.Context(), "security event", "action", action, "vendor_id", vendorID, "member_id", memberID,
		"target", target, "ip", c.ClientIP(), "request_id", requestIDOf(c))
}
