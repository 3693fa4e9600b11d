package handlers

import (
	"crypto/rand"
	"net/netip"
	"strings"

	"github.com/gin-gonic/gin"
)

const ctxRequestID = "duehub.request_id"

// requestID gives every request an id, sent back in the Request-Id header,
// written into problem+json bodies and logged, so that a vendor quoting one
// leads to the log line. An id sent by a trusted proxy (Request-Id or
// X-Request-Id) is kept, so that the proxy's logs and ours agree; anyone
// else's is ignored, so that no caller can make two requests share an id.
func (s *Server) requestID(c *gin.Context) {
	id := ""
	if s.fromTrustedProxy(c) {
		id = saneRequestID(firstNonEmpty(c.GetHeader("Request-Id"), c.GetHeader("X-Request-Id")))
	}
	if id == "" {
		id = "req_" + rand.Text()
	}
	c.Set(ctxRequestID, id)
	c.Header("Request-Id", id)
	c.Next()
}

func requestIDOf(c *gin.Context) string { return c.GetString(ctxRequestID) }

// saneRequestID returns id if it is 1 to 128 letters, digits and -_.: (so it
// is safe in logs and headers), else "".
func saneRequestID(id string) string {
	if len(id) > 128 {
		return ""
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:", r)) {
			return ""
		}
	}
	return id
}

// fromTrustedProxy reports whether the peer of the connection is one of the
// configured proxies.
func (s *Server) fromTrustedProxy(c *gin.Context) bool {
	if len(s.trustedProxies) == 0 {
		return false
	}
	ip, err := netip.ParseAddr(c.RemoteIP())
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range s.trustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
