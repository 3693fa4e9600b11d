package handlers

import (
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/admins"
	"github.com/duehub/duehub/audit"
)

// Issue 15: the operator console's session. A signed cookie like the vendor
// member's, under its own name, path (/admin) and HMAC purpose, so neither a
// member's nor a payer's cookie opens the console. The admin row is read on
// every request: disabling an admin or signing out (which bumps the session
// generation) ends their sessions at once.

const (
	adminCookie     = "duehub_admin_session"
	adminSessionTTL = 8 * time.Hour
	ctxAdmin        = "duehub.admin"
)

type adminSession struct {
	AdminID, Generation, IssuedAt, Expires int64
}

func (s *Server) adminSessionMAC(payload string) []byte {
	return s.vendorMAC("admin-session", payload)
}

func (s *Server) issueAdminSession(c *gin.Context, a admins.Admin) {
	now := s.now()
	value := signedValue(s.adminSessionMAC, a.ID, a.SessionGeneration, now.Unix(), now.Add(adminSessionTTL).Unix())
	http.SetCookie(c.Writer, &http.Cookie{
		Name: adminCookie, Value: value, Path: "/admin", MaxAge: int(adminSessionTTL.Seconds()),
		HttpOnly: true, Secure: s.secureCookies(c), SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearAdminSession(c *gin.Context) {
	s.clearCookie(c, adminCookie, "/admin")
}

func (s *Server) readAdminSession(c *gin.Context) (adminSession, bool) {
	raw, err := c.Cookie(adminCookie)
	if err != nil {
		return adminSession{}, false
	}
	v, ok := parseSignedValue(raw, s.adminSessionMAC, 4)
	if !ok || v[0] <= 0 || s.now().Unix() >= v[3] {
		return adminSession{}, false
	}
	return adminSession{v[0], v[1], v[2], v[3]}, true
}

func (s *Server) adminCSRF(as adminSession) string {
	return hex.EncodeToString(s.vendorMAC("admin-csrf", fmt.Sprintf("%d.%d.%d", as.AdminID, as.Generation, as.IssuedAt)))
}

// adminAuth admits requests with a live session of an active operator
// account, and POSTs only with the session's CSRF token. What the operator
// does is audited in their name, from their address.
func (s *Server) adminAuth(c *gin.Context) {
	var as adminSession
	var a admins.Admin
	s.sessionGate(c, adminSigninSurface, func() (bool, error) {
		var ok bool
		if as, ok = s.readAdminSession(c); !ok {
			return false, nil
		}
		var err error
		a, err = s.admins.Get(c.Request.Context(), as.AdminID)
		return liveAccount(err, admins.ErrNotFound, a.Active(), a.SessionGeneration, as.Generation)
	}, func() string {
		c.Set(ctxAdmin, a)
		c.Request = c.Request.WithContext(audit.WithActor(c.Request.Context(),
			audit.Actor{Kind: audit.ByOperator, ID: a.ID, Label: a.Email, IP: c.ClientIP()}))
		return s.adminCSRF(as)
	})
}

// operatorAdmin is the signed-in operator of an /admin request.
func operatorAdmin(c *gin.Context) admins.Admin {
	v, _ := c.Get(ctxAdmin)
	a, _ := v.(admins.Admin)
	return a
}
