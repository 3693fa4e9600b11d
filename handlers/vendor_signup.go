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
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"

	"github.com/duehub/duehub/vendors"
)

// Issue 15: vendors sign up by themselves at /vendor/signup. The form is
// checked field by field; a valid one emails a verification link to the
// work address. The link carries the form (signed, for its own audience,
// with its own key) and, as the sign-in link does, only shows a button on
// GET; the button's POST creates the vendor, its first admin and a session,
// once. DUEHUB_VENDOR_SIGNUP decides: open (active at once), approval
// (pending until the operator approves: no digest carries its invoices)
// or closed (no sign-up page).

// Sign-up policies.
const (
	SignupOpen     = "open"
	SignupApproval = "approval"
	SignupClosed   = "closed"
)

const (
	signupTTL      = time.Hour
	signupAudience = "duehub-vendor-signup"
	signupCookie   = "duehub_vendor_signup"
)

type signupClaims struct {
	jwt.RegisteredClaims
	Name         string `json:"name"`
	Domain       string `json:"domain"`
	SupportEmail string `json:"support_email"`
	Timezone     string `json:"tz"`
}

func (c signupClaims) signup() vendors.NewSignup {
	return vendors.NewSignup{Email: c.Subject, NewVendor: vendors.NewVendor{Name: c.Name, Domain: c.Domain,
		SupportEmail: c.SupportEmail, Timezone: c.Timezone}}
}

func (s *Server) signupKey() []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("vendor-signup-link"))
	return m.Sum(nil)
}

// signupForm is the form's values and each field's error.
type signupForm struct {
	Name, Email, Domain, Timezone, SupportEmail string
	Errors                                      map[string]string
	Approval                                    bool
}

// fieldView is one input of a form, with its error next to it.
type fieldView struct {
	Name, Label, Hint, Type, Auto, Value, Error string
	Required                                    bool
}

// Fields are the form's inputs, in order.
func (f signupForm) Fields() []fieldView {
	return []fieldView{
		{"name", "company name", "as your customers know it", "text", "organization", f.Name, f.Errors["name"], true},
		{"email", "work email", "you become the first admin of your team", "email", "email", f.Email, f.Errors["email"], true},
		{"domain", "display domain", "shown in digests, like billing.example.com", "text", "", f.Domain, f.Errors["domain"], true},
		{"timezone", "time zone", "IANA name, like Europe/Paris or America/New_York", "text", "", f.Timezone, f.Errors["timezone"], true},
		{"support_email", "support email", "where customers' questions go; your work email if empty", "email", "", f.SupportEmail, f.Errors["support_email"], false},
	}
}

func (s *Server) signupPolicy() string {
	switch s.signup {
	case SignupOpen, SignupClosed:
		return s.signup
	}
	return SignupApproval
}

// signupClosed answers every sign-up route while the policy is closed.
func (s *Server) signupClosed(c *gin.Context) {
	if s.signupPolicy() == SignupClosed {
		s.renderVendor(c, http.StatusNotFound, "message", vendorPage{Title: "Sign-up is closed",
			Data: "This hub does not take new vendors by itself. Ask its operator for an account."})
		c.Abort()
		return
	}
	c.Next()
}

// signupPage answers GET /vendor/signup.
func (s *Server) signupPage(c *gin.Context) {
	s.renderVendor(c, http.StatusOK, "signup", vendorPage{Title: "Bring your business to duehub",
		Data: signupForm{Timezone: "UTC", Approval: s.signupPolicy() == SignupApproval}})
}

// requestSignup answers POST /vendor/signup: a valid form emails a
// verification link; an invalid one comes back with each field's error
// next to it and the values kept.
func (s *Server) requestSignup(c *gin.Context) {
	form := signupForm{Name: c.PostForm("name"), Email: c.PostForm("email"), Domain: c.PostForm("domain"),
		Timezone: c.PostForm("timezone"), SupportEmail: c.PostForm("support_email"), Approval: s.signupPolicy() == SignupApproval}
	err := checkForm(c)
	var in vendors.NewSignup
	if err == nil {
		in, err = vendors.ValidateSignup(vendors.NewSignup{Email: form.Email, NewVendor: vendors.NewVendor{
			Name: form.Name, Domain: form.Domain, SupportEmail: form.SupportEmail, Timezone: form.Timezone}})
	}
	var ve *vendors.ValidationError
	if errors.As(err, &ve) {
		form.Errors = make(map[string]string, len(ve.Fields))
		for _, f := range ve.Fields {
			if form.Errors[f.Field] == "" {
				form.Errors[f.Field] = f.Message
			}
		}
		s.renderVendor(c, http.StatusUnprocessableEntity, "signup", vendorPage{Title: "Bring your business to duehub",
			Error: "Please correct the fields marked below.", Data: form})
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.mailSignup(c.Request.Context(), in); err != nil {
		s.log.Error("send vendor sign-up link", "err", err)
	}
	s.renderVendor(c, http.StatusOK, "message", vendorPage{Title: "Check your inbox",
		Data: "We emailed a link to " + in.Email + ". Open it within an hour to create " + in.Name + " on duehub."})
}

func (s *Server) mailSignup(ctx context.Context, in vendors.NewSignup) error {
	now := s.now()
	jti := make([]byte, 16)
	rand.Read(jti)
	claims := signupClaims{RegisteredClaims: jwt.RegisteredClaims{
		Issuer: s.publicURL, Subject: in.Email, Audience: jwt.ClaimStrings{signupAudience},
		ExpiresAt: jwt.NewNumericDate(now.Add(signupTTL)), IssuedAt: jwt.NewNumericDate(now),
		ID: base64.RawURLEncoding.EncodeToString(jti),
	}, Name: in.Name, Domain: in.Domain, SupportEmail: in.SupportEmail, Timezone: in.Timezone}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.signupKey())
	if err != nil {
		return fmt.Errorf("handlers: sign-up link: %w", err)
	}
	text := fmt.Sprintf("Someone, hopefully you, asked to bring %s to duehub with this address.\n\n"+
		"Confirm with this link (it works once, within an hour):\n%s/vendor/signup/%s\n\n"+
		"If you did not ask for it, you can ignore this email: nothing is created without it.\n", in.Name, s.publicURL, tok)
	return s.mailMember(ctx, in.Email, "Confirm "+in.Name+" on duehub", text)
}

// parseSignup checks a verification link strictly; an invalid, expired or
// used one is vendors.ErrNotFound.
func (s *Server) parseSignup(ctx context.Context, token string) (signupClaims, error) {
	var c signupClaims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.signupKey(), nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithIssuer(s.publicURL),
		jwt.WithAudience(signupAudience), jwt.WithLeeway(30*time.Second), jwt.WithTimeFunc(s.now),
	)
	if err != nil || c.ID == "" || c.Subject == "" {
		return signupClaims{}, vendors.ErrNotFound
	}
	used, err := s.vendors.SignupUsed(ctx, c.ID)
	if err != nil {
		return signupClaims{}, err
	}
	if used {
		return signupClaims{}, vendors.ErrNotFound
	}
	return c, nil
}

type signupConfirmData struct {
	Token, Name, Email, Domain string
}

// signupConfirm answers GET /vendor/signup/:token with a button; it
// changes nothing stored.
func (s *Server) signupConfirm(c *gin.Context) {
	claims, err := s.parseSignup(c.Request.Context(), c.Param("token"))
	if err != nil {
		s.signupFailed(c, err)
		return
	}
	nonce := make([]byte, 16)
	rand.Read(nonce)
	http.SetCookie(c.Writer, &http.Cookie{
		Name: signupCookie, Value: hex.EncodeToString(nonce), Path: "/vendor/signup", MaxAge: int(signupTTL.Seconds()),
		HttpOnly: true, Secure: s.secureCookies(c), SameSite: http.SameSiteLaxMode,
	})
	s.renderVendor(c, http.StatusOK, "signup_confirm", vendorPage{Title: "Create " + claims.Name, CSRF: hex.EncodeToString(nonce),
		Data: signupConfirmData{Token: c.Param("token"), Name: claims.Name, Email: claims.Subject, Domain: claims.Domain}})
}

// signupVerified answers POST /vendor/signup/:token: it spends the link,
// creates the vendor and its first admin, and signs the admin in.
func (s *Server) signupVerified(c *gin.Context) {
	nonce, err := c.Cookie(signupCookie)
	if err != nil || nonce == "" || !hmac.Equal([]byte(nonce), []byte(c.PostForm("csrf"))) {
		s.renderVendor(c, http.StatusForbidden, "message", vendorPage{Title: "This form has expired",
			Error: "Open the link from your email again, in this browser."})
		return
	}
	ctx := c.Request.Context()
	claims, err := s.parseSignup(ctx, c.Param("token"))
	status := vendors.StatusActive
	if s.signupPolicy() == SignupApproval {
		status = vendors.StatusPending
	}
	var v vendors.Vendor
	var m vendors.Member
	if err == nil {
		v, m, err = s.vendors.SignUp(ctx, claims.signup(), status, claims.ID, claims.ExpiresAt.Time)
	}
	if err != nil {
		s.signupFailed(c, err)
		return
	}
	s.logSecurity(c, "vendor.signed_up", v.ID, m.ID, fmt.Sprintf("vendor:%d", v.ID))
	s.clearCookie(c, signupCookie, "/vendor/signup")
	s.issueVendorSession(c, m)
	c.Redirect(http.StatusSeeOther, "/vendor/keys?done=signup")
}

func (s *Server) signupFailed(c *gin.Context, err error) {
	if errors.Is(err, vendors.ErrNotFound) || errors.Is(err, vendors.ErrSignInUsed) {
		s.renderVendor(c, http.StatusNotFound, "message", vendorPage{Title: "This link has expired",
			Error: "Sign-up links work once, within an hour. If your business is already on duehub, sign in at /vendor/signin; otherwise sign up again at /vendor/signup."})
		return
	}
	s.fail(c, err)
}

func (s *Server) signupExpired(c *gin.Context) { s.signupFailed(c, vendors.ErrNotFound) }
