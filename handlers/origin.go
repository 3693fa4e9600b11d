package handlers

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
)

// sameOrigin guards the POSTs of the portal and the vendor inbox, and their
// sign-in forms, beside the CSRF token: a browser says where a form comes
// from, and a form from anywhere but the hub itself is refused with 403
// before anything runs.
//
//   - Sec-Fetch-Site, when sent, must be same-origin or none (typed by the
//     user). same-site is refused too: a sibling subdomain is another site
//     as far as the hub is concerned, and none of its forms live there.
//   - Origin, when sent, must be the origin of the configured public URL
//     ("null", sent from sandboxed frames and opaque origins, is refused).
//
// A client that sends neither (curl, old browsers) is judged by the CSRF
// token alone. Pages are served with Referrer-Policy: same-origin so that
// browsers send the real Origin, not "null", on the hub's own forms.
func (s *Server) sameOrigin(c *gin.Context) {
	if c.Request.Method != http.MethodPost || s.fromOwnOrigin(c.Request) {
		c.Next()
		return
	}
	const title, msg = "This form was sent from another site", "Open duehub from your link or bookmark and try again."
	if strings.HasPrefix(c.FullPath(), "/admin") { // issue 15
		s.renderAdmin(c, http.StatusForbidden, "message", adminPage{Title: title, Error: msg})
	} else if strings.HasPrefix(c.FullPath(), "/vendor") {
		s.renderVendor(c, http.StatusForbidden, "message", vendorPage{Title: title, Error: msg})
	} else {
		s.renderPortal(c, http.StatusForbidden, "message", portalPage{Title: title, Error: msg})
	}
	c.Abort()
}

// fromOwnOrigin is whether a request's browser headers place it on the hub.
func (s *Server) fromOwnOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	return origin == s.ownOrigin(r)
}

// ownOrigin is the hub's origin as a browser writes it: scheme://host[:port]
// of the public URL, lower-cased, without a default port. Without a public
// URL, it is the origin the request was sent to.
func (s *Server) ownOrigin(r *http.Request) string {
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if u, err := url.Parse(s.publicURL); err == nil && u.Host != "" {
		scheme, host = u.Scheme, u.Host
	}
	return canonicalOrigin(scheme, host)
}

func canonicalOrigin(scheme, host string) string {
	scheme, host = strings.ToLower(scheme), strings.ToLower(host)
	switch {
	case scheme == "http" && strings.HasSuffix(host, ":80"):
		host = strings.TrimSuffix(host, ":80")
	case scheme == "https" && strings.HasSuffix(host, ":443"):
		host = strings.TrimSuffix(host, ":443")
	}
	return scheme + "://" + host
}
