package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/payers"
)

// A portal session is a signed cookie, not a database row: opening a digest
// link (a GET, which mail scanners follow too) must not change stored state.
// "Sign me out everywhere" works through the payer's token generation: a
// session carries the generation it was issued under, and is refused once
// the payer's has moved on.

const (
	sessionCookie = "duehub_session"
	sessionTTL    = 12 * time.Hour
	ctxPayerID    = "duehub.payer_id"
	ctxPayer      = "duehub.payer"
	ctxCSRF       = "duehub.csrf"
)

type session struct {
	PayerID    int64
	Generation int64
	IssuedAt   int64
	Expires    int64
}

func (s *Server) sessionMAC(payload string) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("session\x00" + payload))
	return m.Sum(nil)
}

// signedValue encodes numbers as a cookie value: base64url of "n1.n2…",
// a dot, and base64url of its MAC.
func signedValue(mac func(string) []byte, nums ...int64) string {
	parts := make([]string, len(nums))
	for i, n := range nums {
		parts[i] = strconv.FormatInt(n, 10)
	}
	payload := strings.Join(parts, ".")
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." +
		base64.RawURLEncoding.EncodeToString(mac(payload))
}

// parseSignedValue is the strict inverse of signedValue: exactly n
// non-negative decimal numbers without signs, spaces or leading zeros, under
// a valid MAC. Anything else is refused.
func parseSignedValue(raw string, mac func(string) []byte, n int) ([]int64, bool) {
	if len(raw) > 512 {
		return nil, false
	}
	p64, m64, ok := strings.Cut(raw, ".")
	if !ok {
		return nil, false
	}
	payload, err1 := base64.RawURLEncoding.Strict().DecodeString(p64)
	sum, err2 := base64.RawURLEncoding.Strict().DecodeString(m64)
	if err1 != nil || err2 != nil || !hmac.Equal(sum, mac(string(payload))) {
		return nil, false
	}
	parts := strings.Split(string(payload), ".")
	if len(parts) != n {
		return nil, false
	}
	out := make([]int64, n)
	for i, p := range parts {
		if p == "" || len(p) > 19 || (len(p) > 1 && p[0] == '0') || strings.Trim(p, "0123456789") != "" {
			return nil, false
		}
		v, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return nil, false
		}
		out[i] = v
	}
	return out, true
}

func (s *Server) issueSession(c *gin.Context, payerID, generation int64) {
	now := s.now()
	value := signedValue(s.sessionMAC, payerID, generation, now.Unix(), now.Add(sessionTTL).Unix())
	http.SetCookie(c.Writer, &http.Cookie{
		Name: sessionCookie, Value: value, Path: "/", MaxAge: int(sessionTTL.Seconds()),
		HttpOnly: true, Secure: s.secureCookies(c), SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearSession(c *gin.Context) {
	s.clearCookie(c, sessionCookie, "/")
}

// secureCookies is true behind TLS: directly, or as the public URL says.
func (s *Server) secureCookies(c *gin.Context) bool {
	return c.Request.TLS != nil || strings.HasPrefix(s.publicURL, "https://")
}

// parseSession reads a session cookie's value; it does not look at the
// clock or the database.
func (s *Server) parseSession(raw string) (session, bool) {
	v, ok := parseSignedValue(raw, s.sessionMAC, 4)
	if !ok || v[0] <= 0 {
		return session{}, false
	}
	return session{PayerID: v[0], Generation: v[1], IssuedAt: v[2], Expires: v[3]}, true
}

func (s *Server) readSession(c *gin.Context) (session, bool) {
	raw, err := c.Cookie(sessionCookie)
	if err != nil {
		return session{}, false
	}
	ss, ok := s.parseSession(raw)
	if !ok || s.now().Unix() >= ss.Expires {
		return session{}, false
	}
	return ss, true
}

// csrfToken is bound to the session: a form from another session, or from
// another site, cannot carry it.
func (s *Server) csrfToken(ss session) string {
	m := hmac.New(sha256.New, s.secret)
	fmt.Fprintf(m, "csrf\x00%d.%d.%d", ss.PayerID, ss.Generation, ss.IssuedAt)
	return hex.EncodeToString(m.Sum(nil))
}

// portalAuth admits requests with a live session of a payer who has not
// signed out everywhere since it was issued. Everything else sees the sign-in
// page (which offers a fresh link by email).
func (s *Server) portalAuth(c *gin.Context) {
	ss, ok := s.readSession(c)
	if ok {
		p, err := s.payers.Get(c.Request.Context(), ss.PayerID)
		if err != nil {
			ok = false
		} else if p.TokenGeneration != ss.Generation {
			ok = false
		} else {
			c.Set(ctxPayer, p)
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

// sessionPayer is the payer of a portal request. A GET reuses the row
// portalAuth read (an inbox page would otherwise read it three times); a
// POST, which may have just changed it, reads it again.
func (s *Server) sessionPayer(c *gin.Context) (payers.Payer, error) {
	if c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead {
		if p, ok := c.Get(ctxPayer); ok {
			return p.(payers.Payer), nil
		}
	}
	return s.payers.Get(c.Request.Context(), payerID(c))
}

// clearCookie removes the cookie name set on path: every session and
// sign-in link cookie the hub sets has the same attributes, so one place
// unsets them all.
func (s *Server) clearCookie(c *gin.Context, name, path string) {
	http.SetCookie(c.Writer, &http.Cookie{Name: name, Value: "", Path: path, MaxAge: -1,
		HttpOnly: true, Secure: s.secureCookies(c), SameSite: http.SameSiteLaxMode})
}
