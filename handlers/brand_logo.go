package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/branding"
)

// logoCSP is sent with every logo. An SVG opened on its own (not through
// <img>) is a document: it gets no script, no outside fetch, and a sandbox,
// even though the sanitiser already left none of these in it.
const logoCSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"

// brandLogo answers GET /brand/:vendor/:file, where file is the logo's
// hash and type ("0a1b….svg"). Only the vendor's current logo is served:
// the hash changes with each upload, so the answer may be cached for good,
// and a removed or replaced logo answers 404.
func (s *Server) brandLogo(c *gin.Context) {
	vendorID, err := strconv.ParseInt(c.Param("vendor"), 10, 64)
	hash, typ, ok := strings.Cut(c.Param("file"), ".")
	if err != nil || vendorID <= 0 || !ok || typ != branding.TypePNG && typ != branding.TypeSVG || hash == "" {
		s.fail(c, errNoRoute)
		return
	}
	logo, err := s.branding.Logo(c.Request.Context(), vendorID, hash, typ)
	if errors.Is(err, branding.ErrNotFound) {
		s.fail(c, errNoRoute)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	h := c.Writer.Header()
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", logoCSP)
	h.Set("Cross-Origin-Resource-Policy", "cross-origin") // mail clients and their image proxies fetch it
	c.Data(http.StatusOK, logo.ContentType(), logo.Data)
}
