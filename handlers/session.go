package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// A portal session is a signed cookie, not a database row: opening a digest
// link (a GET, which mail scanners follow too) must not change stored state.
// "Sign me out everywhere" works through the payer's tokens_valid_after:
// sessions and links issued before it are refused.

const (
	sessionCookie = "duehub_session"
	sessionTTL    = 12 * time.Hour
	ctxPayerID    = "duehub.payer_id"
	ctxCSRF       = "duehub.csrf"
)

type session struct {
	PayerID  int64
	IssuedAt int64
	Expires  int64
}

func (s *Server) sessionMAC(payload string) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("session\x00" + payload))
	return m.Sum(nil)
}

func (s *Server) issueSession(c *gin.Context, payerID int64) {
	now := s.now()
	payload := fmt.Sprintf("%d.%d.%d", payerID, now.Unix(), now.Add(sessionTTL).Unix())
	value := base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." +
		base64.RawURLEncoding.EncodeToString(s.sessionMAC(payload))
	http.SetCookie(c.Writer, &http.Cookie{
		Name: sessionCookie, Value: value, Path: "/", MaxAge: int(sessionTTL.Seconds()),
		HttpOnly: true, Secure: s.secureCookies(c), SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearSession(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secureCookies(c), SameSite: http.SameSiteLaxMode})
}

// secureCookies is true behind TLS: directly, or as the public URL says.
func (s *Server) secureCookies(c *gin.Context) bool {
	return c.Request.TLS != nil || strings.HasPrefix(s.publicURL, "https://")
}

func (s *Server) readSession(c *gin.Context) (session, bool) {
	raw, err := c.Cookie(sessionCookie)
	if err != nil {
		return session{}, false
	}
	p64, m64, ok := strings.Cut(raw, ".")
	if !ok {
		return session{}, false
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p64)
	mac, err2 := base64.RawURLEncoding.DecodeString(m64)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, s.sessionMAC(string(payload))) {
		return session{}, false
	}
	var ss session
	if _, err := fmt.Sscanf(string(payload), "%d.%d.%d", &ss.PayerID, &ss.IssuedAt, &ss.Expires); err != nil {
		return session{}, false
	}
	if s.now().Unix() >= ss.Expires || ss.PayerID <= 0 {
		return session{}, false
	}
	return ss, true
}

// csrfToken is bound to the session: a form from another session, or from
// another site, cannot carry it.
func (s *Server) csrfToken(ss session) string {
	m := hmac.New(sha256.New, s.secret)
	fmt.Fprintf(m, "csrf\x00%d.%d", ss.PayerID, ss.IssuedAt)
	return hex.EncodeToString(m.Sum(nil))
}

// portalAuth admits requests with a live session of a payer whose tokens
// were not revoked after it was issued. Everything else sees the sign-in
// page (which offers a fresh link by email).
func (s *Server) portalAuth(c *gin.Context) {
	ss, ok := s.readSession(c)
	if ok {
		p, err := s.payers.Get(c.Request.Context(), ss.PayerID)
		if err != nil {
			ok = false
		} else if p.TokensValidAfter != nil && ss.IssuedAt < p.TokensValidAfter.Unix() {
			ok = false
		}
	}
	if !ok {
		s.clearSession(c)
		s.renderPortal(c, http.StatusUnauthorized, "expired", portalPage{Title: "Sign in to your invoices"})
		c.Abort()
		return
	}
	c.Set(ctxPayerID, ss.PayerID)
	c.Set(ctxCSRF, s.csrfToken(ss))
	if c.Request.Method == http.MethodPost {
		got := c.PostForm("csrf")
		if !hmac.Equal([]byte(got), []byte(s.csrfToken(ss))) {
			s.renderPortal(c, http.StatusForbidden, "message", portalPage{Title: "This form has expired",
				Error: "Please go back, reload the page and try again."})
			c.Abort()
			return
		}
	}
	c.Next()
}

// payerID is the payer of a portal request.
func payerID(c *gin.Context) int64 { return c.GetInt64(ctxPayerID) }
