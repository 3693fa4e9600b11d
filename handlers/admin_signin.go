package handlers

import (
	"context"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/admins"
	"github.com/duehub/duehub/audit"
	"github.com/duehub/duehub/ratelimit"
	"github.com/duehub/duehub/vendors"
)

// Issue 15: operators sign in as vendor members do (signin_link.go), with
// links of their own key and audience, so a member's link never opens the
// console.

var adminSigninSurface = signinSurface{
	home: "/admin", signin: "/admin/signin", title: "Sign in to the operator console",
	audience: "duehub-admin-signin", keyPurpose: "admin-signin-link", cookie: "duehub_admin_signin",
	render: func(s *Server, c *gin.Context, status int, page string, v signinView) {
		s.renderAdmin(c, status, page, adminPage{Title: v.Title, CSRF: v.CSRF, Error: v.Error, Data: v.Data})
	},
	clearSession: (*Server).clearAdminSession,
	gone: func(err error) bool {
		return errors.Is(err, admins.ErrNotFound) || errors.Is(err, admins.ErrSignInUsed)
	},
	posted: func(c *gin.Context) string { return c.PostForm("csrf") },
}

func (s *Server) adminSigninURL(a admins.Admin) (string, error) {
	return s.signLink(adminSigninSurface, a.ID, 0)
}

// parseAdminSignin checks a link strictly; used, unknown and disabled
// admins' links are admins.ErrNotFound.
func (s *Server) parseAdminSignin(ctx context.Context, token string) (signinClaims, admins.Admin, error) {
	c, err := s.parseLink(adminSigninSurface, token)
	if err != nil {
		return c, admins.Admin{}, admins.ErrNotFound
	}
	a, err := s.admins.Get(ctx, c.subjectID())
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
	s.confirmLink(c, adminSigninSurface, "Sign in to the operator console", signinData{Email: a.Email})
}

// adminSignin answers POST /admin/signin/:token: it spends the link, audits
// the sign-in and opens the session.
func (s *Server) adminSignin(c *gin.Context) {
	s.spendLink(c, adminSigninSurface, func(ctx context.Context, token string) (func(), error) {
		claims, a, err := s.parseAdminSignin(ctx, token)
		if err == nil {
			ctx = audit.WithActor(ctx, audit.Actor{Kind: audit.ByOperator, ID: a.ID, Label: a.Email, IP: c.ClientIP()})
			err = s.admins.SignIn(ctx, a.ID, claims.ID, claims.ExpiresAt.Time)
		}
		return func() { s.issueAdminSession(c, a) }, err
	})
}

func (s *Server) adminSigninFailed(c *gin.Context, err error) {
	s.linkFailed(c, adminSigninSurface, err)
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
