package handlers

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/vendors"
)

// POST and GET /v1/members: a vendor's developer invites the AR team, which
// then signs in to the web inbox with emailed links.

type memberRequest struct {
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  string `json:"role"`
}

type memberResponse struct {
	ID         int64      `json:"id"`
	Email      string     `json:"email"`
	Name       string     `json:"name"`
	Role       string     `json:"role"`
	Status     string     `json:"status"`
	CreatedAt  time.Time  `json:"created_at"`
	DisabledAt *time.Time `json:"disabled_at"`
}

type memberList struct {
	Data []memberResponse `json:"data"`
}

func memberOut(m vendors.Member) memberResponse {
	out := memberResponse{ID: m.ID, Email: m.Email, Name: m.Name, Role: m.Role, Status: "active",
		CreatedAt: m.CreatedAt.UTC(), DisabledAt: utcPtr(m.DisabledAt)}
	if !m.Active() {
		out.Status = "disabled"
	}
	return out
}

// createMember answers POST /v1/members and emails the new member a
// sign-in link.
func (s *Server) createMember(c *gin.Context) {
	var req memberRequest
	if err := readJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	m, err := s.vendors.InviteMember(ctx, vendorID(c), vendors.NewMember{Email: req.Email, Name: req.Name, Role: req.Role})
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.mailInvitation(ctx, m, ""); err != nil {
		s.log.Error("send member invitation", "err", err)
	}
	c.JSON(http.StatusCreated, memberOut(m))
}

// listMembers answers GET /v1/members.
func (s *Server) listMembers(c *gin.Context) {
	ms, err := s.vendors.Members(c.Request.Context(), vendorID(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	out := memberList{Data: make([]memberResponse, len(ms))}
	for i, m := range ms {
		out.Data[i] = memberOut(m)
	}
	c.JSON(http.StatusOK, out)
}
