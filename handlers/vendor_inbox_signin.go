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
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"

	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/vendors"
)

// Members sign in with a magic link: a JWT for one member, valid 15
// minutes, honoured once. Opening it (a GET, which mail scanners follow)
// only shows a confirmation page; the POST of its button spends the link
// and opens the session. The link is signed with a key of its own, for its
// own audience, so neither a payer's digest link nor a session cookie can
// pass for it.

const (
	signinTTL      = 15 * time.Minute
	signinAudience = "duehub-vendor-signin"
	// signinCookie carries the nonce the confirmation form must echo: a
	// sign-in POST forged from another site cannot log the victim in as
	// the attacker.
	signinCookie = "duehub_vendor_signin"
)

type signinClaims struct {
	jwt.RegisteredClaims
	VendorID int64 `json:"vid"`
}

func (c signinClaims) memberID() int64 {
	id, _ := strconv.ParseInt(c.Subject, 10, 64)
	return id
}

func (s *Server) signinKey() []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("vendor-signin-link"))
	return m.Sum(nil)
}

// signinURL signs a link for the member.
func (s *Server) signinURL(m vendors.Member) (string, error) {
	now := s.now()
	jti := make([]byte, 16)
	rand.Read(jti)
	c := signinClaims{RegisteredClaims: jwt.RegisteredClaims{
		Issuer: s.publicURL, Subject: strconv.FormatInt(m.ID, 10), Audience: jwt.ClaimStrings{signinAudience},
		ExpiresAt: jwt.NewNumericDate(now.Add(signinTTL)), IssuedAt: jwt.NewNumericDate(now),
		ID: base64.RawURLEncoding.EncodeToString(jti),
	}, VendorID: m.VendorID}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.signinKey())
	if err != nil {
		return "", fmt.Errorf("handlers: sign in link: %w", err)
	}
	return s.publicURL + "/vendor/signin/" + tok, nil
}

// parseSignin checks a link strictly and returns the active member it signs
// in. Used and unknown links, and those of disabled members, are
// vendors.ErrNotFound.
func (s *Server) parseSignin(ctx context.Context, token string) (signinClaims, vendors.Member, error) {
	var c signinClaims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.signinKey(), nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithIssuer(s.publicURL),
		jwt.WithAudience(signinAudience),
		jwt.WithLeeway(30*time.Second),
		jwt.WithTimeFunc(s.now),
	)
	if err != nil || c.memberID() <= 0 || c.ID == "" {
		return signinClaims{}, vendors.Member{}, vendors.ErrNotFound
	}
	m, err := s.vendors.SessionMember(ctx, c.memberID())
	if err != nil {
		return signinClaims{}, vendors.Member{}, err
	}
	if !m.Active() || m.VendorID != c.VendorID {
		return signinClaims{}, vendors.Member{}, vendors.ErrNotFound
	}
	used, err := s.vendors.SignInUsed(ctx, c.ID)
	if err != nil {
		return signinClaims{}, vendors.Member{}, err
	}
	if used {
		return signinClaims{}, vendors.Member{}, vendors.ErrNotFound
	}
	return c, m, nil
}

// signinPage answers GET /vendor/signin.
func (s *Server) signinPage(c *gin.Context) {
	if _, ok := s.readVendorSession(c); ok {
		c.Redirect(http.StatusSeeOther, "/vendor")
		return
	}
	s.renderVendor(c, http.StatusOK, "signin", vendorPage{Title: "Sign in to your team's inbox"})
}

// requestSignin answers POST /vendor/signin: it emails a link to each team
// the address is an active member of, and answers the same whether or not
// it is one.
func (s *Server) requestSignin(c *gin.Context) {
	var ve *vendors.ValidationError
	if errors.As(checkForm(c), &ve) {
		// Said of the text itself: it reveals nothing about who is a member.
		s.renderVendor(c, http.StatusUnprocessableEntity, "signin", vendorPage{Title: "Sign in to your team's inbox",
			Error: theFields(ve)})
		return
	}
	email, err := vendors.NormalizeEmail(c.PostForm("email"))
	if err == nil {
		if err := s.mailSignin(c.Request.Context(), email); err != nil {
			s.log.Error("send vendor sign-in link", "err", err)
		}
	}
	s.renderVendor(c, http.StatusOK, "message", vendorPage{Title: "Check your inbox",
		Data: "If this address is on a team that uses duehub, a sign-in link is on its way. It works once, within 15 minutes."})
}

func (s *Server) mailSignin(ctx context.Context, email string) error {
	ms, err := s.vendors.ActiveMembersByEmail(ctx, email)
	if err != nil || len(ms) == 0 {
		return err
	}
	var b strings.Builder
	b.WriteString("Here is your link to sign in to duehub. It works once, within 15 minutes.\n\n")
	for _, m := range ms {
		v, err := s.vendors.GetVendor(ctx, m.VendorID)
		if err != nil {
			return err
		}
		url, err := s.signinURL(m)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s:\n%s\n\n", v.Name, url)
	}
	b.WriteString("If you did not ask for it, you can ignore this email.\n")
	return s.mailMember(ctx, email, "Your duehub sign-in link", b.String())
}

// mailInvitation tells a new member how to sign in; by names the admin who
// invited them ("" for an invitation through the API).
func (s *Server) mailInvitation(ctx context.Context, m vendors.Member, by string) error {
	v, err := s.vendors.GetVendor(ctx, m.VendorID)
	if err != nil {
		return err
	}
	url, err := s.signinURL(m)
	if err != nil {
		return err
	}
	who := "You are on"
	if by != "" {
		who = by + " added you to"
	}
	text := fmt.Sprintf("%s the %s team on duehub, as %s: your customers' questions and disputes reach you there.\n\n"+
		"Sign in with this link (it works once, within 15 minutes):\n%s\n\n"+
		"Later, ask for a new link at %s/vendor/signin\n", who, v.Name, m.Role, url, s.publicURL)
	return s.mailMember(ctx, m.Email, "You are on the "+v.Name+" team on duehub", text)
}

func (s *Server) mailMember(ctx context.Context, to, subject, text string) error {
	if s.mailer == nil {
		return errors.New("handlers: no mailer configured")
	}
	_, err := s.mailer.Send(ctx, notify.Message{
		ID: fmt.Sprintf("member-%d", s.now().UnixNano()), Channel: notify.Email, To: []string{to},
		From: s.mailFrom, Subject: subject, Text: text,
	})
	return err
}

type signinData struct {
	Token, VendorName, Email string
}

// signinConfirm answers GET /vendor/signin/:token with a button that signs
// in; it changes nothing stored.
func (s *Server) signinConfirm(c *gin.Context) {
	ctx := c.Request.Context()
	_, m, err := s.parseSignin(ctx, c.Param("token"))
	if err != nil {
		s.signinFailed(c, err)
		return
	}
	v, err := s.vendors.GetVendor(ctx, m.VendorID)
	if err != nil {
		s.fail(c, err)
		return
	}
	nonce := make([]byte, 16)
	rand.Read(nonce)
	http.SetCookie(c.Writer, &http.Cookie{
		Name: signinCookie, Value: hex.EncodeToString(nonce), Path: "/vendor/signin", MaxAge: int(signinTTL.Seconds()),
		HttpOnly: true, Secure: s.secureCookies(c), SameSite: http.SameSiteLaxMode,
	})
	s.renderVendor(c, http.StatusOK, "confirm", vendorPage{Title: "Sign in to " + v.Name, CSRF: hex.EncodeToString(nonce),
		Data: signinData{Token: c.Param("token"), VendorName: v.Name, Email: m.Email}})
}

// signin answers POST /vendor/signin/:token: it spends the link and opens
// the member's session.
func (s *Server) signin(c *gin.Context) {
	nonce, err := c.Cookie(signinCookie)
	if err != nil || nonce == "" || !hmac.Equal([]byte(nonce), []byte(c.PostForm("csrf"))) {
		s.renderVendor(c, http.StatusForbidden, "message", vendorPage{Title: "This form has expired",
			Error: "Open the link from your email again, in this browser."})
		return
	}
	ctx := c.Request.Context()
	claims, m, err := s.parseSignin(ctx, c.Param("token"))
	if err == nil {
		err = s.vendors.UseSignIn(ctx, m.ID, claims.ID, claims.ExpiresAt.Time)
	}
	if err != nil {
		s.signinFailed(c, err)
		return
	}
	s.clearCookie(c, signinCookie, "/vendor/signin")
	s.issueVendorSession(c, m)
	c.Redirect(http.StatusSeeOther, "/vendor")
}

func (s *Server) signinFailed(c *gin.Context, err error) {
	if errors.Is(err, vendors.ErrNotFound) || errors.Is(err, vendors.ErrSignInUsed) {
		s.renderVendor(c, http.StatusNotFound, "signin", vendorPage{Title: "This link has expired",
			Error: "Sign-in links work once, within 15 minutes. Ask for a new one below."})
		return
	}
	s.fail(c, err)
}

// vendorSignout answers POST /vendor/signout: it ends the member's
// sessions server side, so a copy of the cookie opens nothing either.
func (s *Server) vendorSignout(c *gin.Context) {
	if err := s.vendors.EndSessions(c.Request.Context(), member(c).ID); err != nil {
		s.fail(c, err)
		return
	}
	s.clearVendorSession(c)
	c.Redirect(http.StatusSeeOther, "/vendor/signin")
}
