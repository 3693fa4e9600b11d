package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/audit"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// A vendor member's session is a signed cookie like the payer's, but under
// its own name, path and HMAC purpose: a payer's cookie never opens /vendor,
// and a member's never opens /portal. The member row is read on every
// request, so disabling a member ends their sessions at once, and so does
// signing out: a session carries the member's session generation, which
// sign-out bumps.

const (
	vendorCookie     = "duehub_vendor_session"
	vendorSessionTTL = 12 * time.Hour
	ctxMember        = "duehub.vendor_member"
)

type vendorSession struct {
	MemberID   int64
	Generation int64
	IssuedAt   int64
	Expires    int64
}

func (s *Server) vendorMAC(purpose, payload string) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(purpose + "\x00" + payload))
	return m.Sum(nil)
}

func (s *Server) vendorSessionMAC(payload string) []byte {
	return s.vendorMAC("vendor-session", payload)
}

func (s *Server) issueVendorSession(c *gin.Context, m vendors.Member) {
	now := s.now()
	value := signedValue(s.vendorSessionMAC, m.ID, m.SessionGeneration, now.Unix(), now.Add(vendorSessionTTL).Unix())
	http.SetCookie(c.Writer, &http.Cookie{
		Name: vendorCookie, Value: value, Path: "/vendor", MaxAge: int(vendorSessionTTL.Seconds()),
		HttpOnly: true, Secure: s.secureCookies(c), SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearVendorSession(c *gin.Context) {
	s.clearCookie(c, vendorCookie, "/vendor")
}

// parseVendorSession reads a member session cookie's value; it does not
// look at the clock or the database.
func (s *Server) parseVendorSession(raw string) (vendorSession, bool) {
	v, ok := parseSignedValue(raw, s.vendorSessionMAC, 4)
	if !ok || v[0] <= 0 {
		return vendorSession{}, false
	}
	return vendorSession{MemberID: v[0], Generation: v[1], IssuedAt: v[2], Expires: v[3]}, true
}

func (s *Server) readVendorSession(c *gin.Context) (vendorSession, bool) {
	raw, err := c.Cookie(vendorCookie)
	if err != nil {
		return vendorSession{}, false
	}
	vs, ok := s.parseVendorSession(raw)
	if !ok || s.now().Unix() >= vs.Expires {
		return vendorSession{}, false
	}
	return vs, true
}

// vendorCSRF is bound to the member's session.
func (s *Server) vendorCSRF(vs vendorSession) string {
	return hex.EncodeToString(s.vendorMAC("vendor-csrf", fmt.Sprintf("%d.%d.%d", vs.MemberID, vs.Generation, vs.IssuedAt)))
}

// vendorAuth admits requests with a live session of an active member, and
// POSTs only with the session's CSRF token. Every page behind it is scoped
// by the member's vendor.
func (s *Server) vendorAuth(c *gin.Context) {
	var vs vendorSession
	var m vendors.Member
	s.sessionGate(c, vendorSigninSurface, func() (bool, error) {
		var ok bool
		if vs, ok = s.readVendorSession(c); !ok {
			return false, nil
		}
		var err error
		m, err = s.vendors.SessionMember(c.Request.Context(), vs.MemberID)
		return liveAccount(err, vendors.ErrNotFound, m.Active(), m.SessionGeneration, vs.Generation)
	}, func() string {
		c.Set(ctxMember, m)
		// The store records which member replied, assigned, resolved or confirmed.
		c.Request = c.Request.WithContext(payers.WithActor(c.Request.Context(), m.ID))
		c.Request = c.Request.WithContext(audit.WithActor(c.Request.Context(), // issue 15
			audit.Actor{Kind: audit.ByMember, ID: m.ID, Label: m.Email, IP: c.ClientIP()}))
		return s.vendorCSRF(vs)
	})
}

// member is the signed-in member of a /vendor request.
func member(c *gin.Context) vendors.Member {
	m, _ := c.Get(ctxMember)
	mm, _ := m.(vendors.Member)
	return mm
}

// requireAdmin lets only the vendor's admins through.
func (s *Server) requireAdmin(c *gin.Context) {
	if member(c).Role != vendors.RoleAdmin {
		s.renderVendor(c, http.StatusForbidden, "message", vendorPage{Title: "Admins only",
			Error: "Only an admin of your team can do this: invite or disable members, manage API keys, import invoices."})
		c.Abort()
		return
	}
	c.Next()
}

// postedCSRF is the CSRF token of a POST. A file upload (issue 15: the
// import) carries it in the multipart body as the first field, before the
// file, so that checking it reads a few bytes, never the file: the rest of
// the body is left to the handler (multipartUpload) to stream. The token
// is never in the URL, where proxies' access logs and Referer headers
// would carry it.
func postedCSRF(c *gin.Context) string {
	if strings.HasPrefix(c.ContentType(), "multipart/form-data") {
		return multipartCSRF(c)
	}
	return c.PostForm("csrf")
}
