package handlers

import (
	"context"

	"github.com/gin-gonic/gin"
)

// SecurityEvent is a security-relevant action taken through the vendor
// pages (issue 15): a vendor signed up, an API key created, rolled or
// revoked. Config.OnSecurityEvent receives each one after it is stored, so
// the audit log (built apart) can record it without the handlers knowing it.
type SecurityEvent struct {
	// Action is "vendor.signed_up", "api_key.created", "api_key.rolled" or
	// "api_key.revoked".
	Action   string
	VendorID int64
	// MemberID is the member who acted (for a sign-up: the new admin).
	MemberID int64
	// Target names what was acted on: a key prefix, or "vendor:<id>".
	Target string
	IP     string
}

// securityEvent hands ev to the configured receiver, if any, and logs it.
func (s *Server) securityEvent(ctx context.Context, c *gin.Context, ev SecurityEvent) {
	ev.IP = c.ClientIP()
	s.log.InfoContext(ctx, "security event", "action", ev.Action, "vendor_id", ev.VendorID, "member_id", ev.MemberID,
		"target", ev.Target, "request_id", requestIDOf(c))
	if s.onSecurityEvent != nil {
		s.onSecurityEvent(ctx, ev)
	}
}
