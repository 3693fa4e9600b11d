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

	"github.com/duehub/duehub/admins"
	"github.com/duehub/duehub/audit"
	"github.com/duehub/duehub/ratelimit"
	"github.com/duehub/duehub/vendors"
)

// Issue 15: operators sign in as vendor members do, by a magic link valid
// 15 minutes and honoured once, whose GET only shows a button and whose
// POST (with a nonce from a cookie) spends it. It is signed with a key and
// audience of its own, so a member's link never opens the console.

const (
	adminSigninAudience = "duehub-admin-signin"
	adminSigninCookie   = "duehub_admin_signin"
)

func (s *Server) adminSigninKey() []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("admin-signin-link"))
	return m.Sum(nil)
}

func (s *Server) adminSigninURL(a admins.Admin) (string, error) {
	now := s.now()
	jti := make([]byte, 16)
	rand.Read(jti)
	c := jwt.RegisteredClaims{
		Issuer: s.publicURL, Subject: strconv.FormatInt(a.ID, 10), Audience: jwt.ClaimStrings{adminSigninAudience},
		ExpiresAt: jwt.NewNumericDate(now.Add(signinTTL)), IssuedAt: jwt.NewNumericDate(now),
		ID: base64.RawURLEncoding.EncodeToString(jti),
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.adminSigninKey())
	if err != nil {
		return "", fmt.Errorf("handlers: admin sign-in link: %w", err)
	}
	return s.publicURL + "/admin/signin/" + tok, nil
}

// parseAdminSignin checks a link strictly; used, unknown and disabled
// admins' links are admins.ErrNotFound.
func (s *Server) parseAdminSignin(ctx context.Context, token string) (jwt.RegisteredClaims, admins.Admin, error) {
	var c jwt.RegisteredClaims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.adminSigninKey(), nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
		jwt.WithIssuer(s.publicURL), jwt.WithAudience(adminSigninAudience), jwt.WithLeeway(30*time.Second),
		jwt.WithTimeFunc(s.now))
	id, _ := strconv.ParseInt(c.Subject, 10, 64)
	if err != nil || id <= 0 || c.ID == "" {
		return c, admins.Admin{}, admins.ErrNotFound
	}
	a, err := s.admins.Get(ctx, id)
	if err != nil {
		return c, admins.Admin{}, err
	}
	if !a.Active() {
		return c, admins.Admin{}, admins.ErrNotFound
	}
	if used, err := s.admins.SignInUsed(ctx, c.ID); err != nil {
		return c, admins.Admin{}, err
	} else if used {
		return c, admins.Admin{}, admins.ErrNotFound
	}
	return c, a, nil
}

// adminSigninPage answers GET /admin/signin.
func (s *Server) adminSigninPage(c *gin.Context) {
	if _, ok := s.readAdminSession(c); ok {
		c.Redirect(http.StatusSeeOther, "/admin")
		return
	}
	s.renderAdmin(c, http.StatusOK, "signin", adminPage{Title: "Sign in to the operator console"})
}

// adminRequestSignin answers POST /admin/signin: it emails a link to an
// operator account, and answers the same whether or not the address is one.
func (s *Server) adminRequestSignin(c *gin.Context) {
	var ve *vendors.ValidationError
	if errors.As(checkForm(c), &ve) {
		s.renderAdmin(c, http.StatusUnprocessableEntity, "signin", adminPage{Title: "Sign in to the operator console", Error: theFields(ve)})
		return
	}
	email, err := vendors.NormalizeEmail(c.PostForm("email"))
	if err != nil {
		s.renderAdmin(c, http.StatusUnprocessableEntity, "signin", adminPage{Title: "Sign in to the operator console",
			Error: "Email " + err.Error() + ".", Data: c.PostForm("email")})
		return
	}
	if a, err := s.admins.ByEmail(c.Request.Context(), email); err == nil {
		url, err := s.adminSigninURL(a)
		if err == nil {
			err = s.mailMember(c.Request.Context(), email, "Your duehub operator sign-in link",
				"Here is your link to sign in to the duehub operator console. It works once, within 15 minutes.\n\n"+url+
					"\n\nIf you did not ask for it, someone typed your address: you can ignore this email.\n")
		}
		if err != nil {
			s.log.Error("send operator sign-in link", "err", err)
		}
	} else if !errors.Is(err, admins.ErrNotFound) {
		s.fail(c, err)
		return
	}
	s.renderAdmin(c, http.StatusOK, "message", adminPage{Title: "Check your inbox",
		Data: "If this address is an operator account, a sign-in link is on its way. It works once, within 15 minutes."})
}

// adminSigninConfirm answers GET /admin/signin/:token with a button; it
// changes nothing stored.
func (s *Server) adminSigninConfirm(c *gin.Context) {
	_, a, err := s.parseAdminSignin(c.Request.Context(), c.Param("token"))
	if err != nil {
		s.adminSigninFailed(c, err)
		return
	}
	nonce := make([]byte, 16)
	rand.Read(nonce)
	http.SetCookie(c.Writer, &http.Cookie{
		Name: adminSigninCookie, Value: hex.EncodeToString(nonce), Path: "/admin/signin", MaxAge: int(signinTTL.Seconds()),
		HttpOnly: true, Secure: s.secureCookies(c), SameSite: http.SameSiteLaxMode,
	})
	s.renderAdmin(c, http.StatusOK, "confirm", adminPage{Title: "Sign in to the operator console", CSRF: hex.EncodeToString(nonce),
		Data: signinData{Token: c.Param("token"), Email: a.Email}})
}

// adminSignin answers POST /admin/signin/:token: it spends the link, audits
// the sign-in and opens the session.
func (s *Server) adminSignin(c *gin.Context) {
	nonce, err := c.Cookie(adminSigninCookie)
	if err != nil || nonce == "" || !hmac.Equal([]byte(nonce), []byte(c.PostForm("csrf"))) {
		s.renderAdmin(c, http.StatusForbidden, "message", adminPage{Title: "This form has expired",
			Error: "Open the link from your email again, in this browser."})
		return
	}
	ctx := c.Request.Context()
	claims, a, err := s.parseAdminSignin(ctx, c.Param("token"))
	if err == nil {
		ctx = audit.WithActor(ctx, audit.Actor{Kind: audit.ByOperator, ID: a.ID, Label: a.Email, IP: c.ClientIP()})
		err = s.admins.SignIn(ctx, a.ID, claims.ID, claims.ExpiresAt.Time)
	}
	if err != nil {
		s.adminSigninFailed(c, err)
		return
	}
	s.clearCookie(c, adminSigninCookie, "/admin/signin")
	s.issueAdminSession(c, a)
	c.Redirect(http.StatusSeeOther, "/admin")
}

func (s *Server) adminSigninFailed(c *gin.Context, err error) {
	if errors.Is(err, admins.ErrNotFound) || errors.Is(err, admins.ErrSignInUsed) {
		s.renderAdmin(c, http.StatusNotFound, "signin", adminPage{Title: "This link has expired",
			Error: "Sign-in links work once, within 15 minutes. Ask for a new one below."})
		return
	}
	s.fail(c, err)
}

// adminSignout answers POST /admin/signout: it ends every session of the
// operator server side.
func (s *Server) adminSignout(c *gin.Context) {
	if err := s.admins.EndSessions(c.Request.Context(), operatorAdmin(c).ID); err != nil {
		s.fail(c, err)
		return
	}
	s.clearAdminSession(c)
	c.Redirect(http.StatusSeeOther, "/admin/signin")
}

func (s *Server) refuseAdmin(c *gin.Context, d ratelimit.Decision) {
	rateHeaders(c, d)
	s.renderAdmin(c, http.StatusTooManyRequests, "message", adminPage{Title: "Too many requests", Data: waitText(d)})
	c.Abort()
}
