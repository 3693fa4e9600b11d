package handlers

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"
)

// The magic-link sign-in and the session gate shared by the vendor inbox
// (members) and the operator console (issue 15): a JWT for one account,
// valid 15 minutes, honoured once. Opening it (a GET, which mail scanners
// follow) only shows a confirmation page; the POST of its button, which
// must echo a nonce from a cookie, spends the link and opens the session.
// Each surface signs its links with a key and audience of its own, so a
// member's link never opens the console, nor an operator's the inbox.
// What differs (which account, which store spends the link, which layout)
// stays with each surface.

const signinTTL = 15 * time.Minute

// signinSurface is one place people sign in to by magic link.
type signinSurface struct {
	home, signin string // "/vendor" and "/vendor/signin"
	title        string // of the sign-in page
	audience     string
	keyPurpose   string
	// cookie carries the nonce the confirmation form must echo: a sign-in
	// POST forged from another site cannot log the victim in as the
	// attacker.
	cookie string
	render func(s *Server, c *gin.Context, status int, page string, v signinView)
	// clearSession unsets the surface's session cookie.
	clearSession func(s *Server, c *gin.Context)
	// gone is whether an error means the link is expired, used or not
	// the account's: the sign-in page again, not a failure.
	gone func(error) bool
	// posted is a POST's CSRF token.
	posted func(*gin.Context) string
}

// signinView is what a sign-in page shows, in either layout.
type signinView struct {
	Title, CSRF, Error string
	Data               any
}

type signinData struct {
	Token, VendorName, Email string
}

// signinClaims are a link's claims; VendorID names the member's vendor
// (absent from an operator's link).
type signinClaims struct {
	jwt.RegisteredClaims
	VendorID int64 `json:"vid,omitempty"`
}

func (c signinClaims) subjectID() int64 {
	id, _ := strconv.ParseInt(c.Subject, 10, 64)
	return id
}

var errBadLink = errors.New("handlers: sign-in link not valid")

func (s *Server) linkKey(sf signinSurface) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(sf.keyPurpose))
	return m.Sum(nil)
}

// signLink signs a link for account id (of vendorID, for a member).
func (s *Server) signLink(sf signinSurface, id, vendorID int64) (string, error) {
	now := s.now()
	jti := make([]byte, 16)
	rand.Read(jti)
	c := signinClaims{RegisteredClaims: jwt.RegisteredClaims{
		Issuer: s.publicURL, Subject: strconv.FormatInt(id, 10), Audience: jwt.ClaimStrings{sf.audience},
		ExpiresAt: jwt.NewNumericDate(now.Add(signinTTL)), IssuedAt: jwt.NewNumericDate(now),
		ID: base64.RawURLEncoding.EncodeToString(jti),
	}, VendorID: vendorID}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.linkKey(sf))
	if err != nil {
		return "", fmt.Errorf("handlers: sign-in link: %w", err)
	}
	return s.publicURL + sf.signin + "/" + tok, nil
}

// parseLink checks a link strictly; whether its account may still use it
// is the surface's to say. Any fault is errBadLink.
func (s *Server) parseLink(sf signinSurface, token string) (signinClaims, error) {
	var c signinClaims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.linkKey(sf), nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithIssuer(s.publicURL),
		jwt.WithAudience(sf.audience),
		jwt.WithLeeway(30*time.Second),
		jwt.WithTimeFunc(s.now),
	)
	if err != nil || c.subjectID() <= 0 || c.ID == "" {
		return signinClaims{}, errBadLink
	}
	return c, nil
}

// confirmLink answers the GET of a valid link: a button whose form echoes
// a fresh nonce, also set as a cookie on the sign-in path.
func (s *Server) confirmLink(c *gin.Context, sf signinSurface, title string, d signinData) {
	nonce := make([]byte, 16)
	rand.Read(nonce)
	http.SetCookie(c.Writer, &http.Cookie{
		Name: sf.cookie, Value: hex.EncodeToString(nonce), Path: sf.signin, MaxAge: int(signinTTL.Seconds()),
		HttpOnly: true, Secure: s.secureCookies(c), SameSite: http.SameSiteLaxMode,
	})
	d.Token = c.Param("token")
	sf.render(s, c, http.StatusOK, "confirm", signinView{Title: title, CSRF: hex.EncodeToString(nonce), Data: d})
}

// linkNonceOK is whether the POST of a link's button echoes the cookie's
// nonce; when not, it answers 403.
func (s *Server) linkNonceOK(c *gin.Context, sf signinSurface) bool {
	nonce, err := c.Cookie(sf.cookie)
	if err != nil || nonce == "" || !hmac.Equal([]byte(nonce), []byte(c.PostForm("csrf"))) {
		sf.render(s, c, http.StatusForbidden, "message", signinView{Title: "This form has expired",
			Error: "Open the link from your email again, in this browser."})
		return false
	}
	return true
}

// spendLink answers the POST of a link's button: with the nonce echoed,
// spend checks the link and spends it, and returns what issues the
// session; then the nonce cookie goes and the surface's home opens.
func (s *Server) spendLink(c *gin.Context, sf signinSurface, spend func(ctx context.Context, token string) (issue func(), err error)) {
	if !s.linkNonceOK(c, sf) {
		return
	}
	issue, err := spend(c.Request.Context(), c.Param("token"))
	if err != nil {
		s.linkFailed(c, sf, err)
		return
	}
	s.clearCookie(c, sf.cookie, sf.signin)
	issue()
	c.Redirect(http.StatusSeeOther, sf.home)
}

// linkFailed answers a link that is expired, used or not the account's
// with the sign-in page, and anything else as a failure.
func (s *Server) linkFailed(c *gin.Context, sf signinSurface, err error) {
	if sf.gone(err) || errors.Is(err, errBadLink) {
		sf.render(s, c, http.StatusNotFound, "signin", signinView{Title: "This link has expired",
			Error: "Sign-in links work once, within 15 minutes. Ask for a new one below."})
		return
	}
	s.fail(c, err)
}

// sessionGate admits a request to the surface when load finds a live
// session (liveAccount), and a POST only with the session's CSRF token,
// which admit returns after putting the account on the request. A GET
// without a session goes to the sign-in page; anything else is told to
// sign in again.
func (s *Server) sessionGate(c *gin.Context, sf signinSurface, load func() (bool, error), admit func() (csrf string)) {
	ok, err := load()
	if err != nil {
		s.fail(c, err)
		return
	}
	if !ok {
		sf.clearSession(s, c)
		if c.Request.Method == http.MethodGet {
			c.Redirect(http.StatusSeeOther, sf.signin)
		} else {
			sf.render(s, c, http.StatusUnauthorized, "signin", signinView{Title: sf.title, Error: "Your session has ended. Sign in again."})
		}
		c.Abort()
		return
	}
	csrf := admit()
	c.Set(ctxCSRF, csrf)
	if c.Request.Method == http.MethodPost && !hmac.Equal([]byte(sf.posted(c)), []byte(csrf)) {
		sf.render(s, c, http.StatusForbidden, "message", signinView{Title: "This form has expired",
			Error: "Please go back, reload the page and try again."})
		c.Abort()
		return
	}
	c.Next()
}

// liveAccount is whether a session's account, read with err (notFound
// when there is none), is active and still on the session's generation;
// any other error is returned.
func liveAccount(err, notFound error, active bool, generation, sessionGeneration int64) (bool, error) {
	switch {
	case errors.Is(err, notFound):
		return false, nil
	case err != nil:
		return false, err
	}
	return active && generation == sessionGeneration, nil
}
