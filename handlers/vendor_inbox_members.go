package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/vendors"
)

// The team page: every member sees who is on the team; admins invite and
// disable members.

type memberRow struct {
	vendors.Member
	Self bool
}

type membersData struct {
	Admin   bool
	Members []memberRow
	// WeeklySummary is whether the signed-in admin gets the weekly
	// summary email (issue 12).
	WeeklySummary bool
}

// membersPage answers GET /vendor/members.
func (s *Server) membersPage(c *gin.Context) {
	s.renderMembers(c, http.StatusOK, "")
}

func (s *Server) renderMembers(c *gin.Context, status int, formError string) {
	m := member(c)
	ms, err := s.vendors.Members(c.Request.Context(), m.VendorID)
	if err != nil {
		s.fail(c, err)
		return
	}
	d := membersData{Admin: m.Role == vendors.RoleAdmin}
	if d.Admin {
		if d.WeeklySummary, err = s.vendors.WeeklySummaryOn(c.Request.Context(), m.VendorID, m.ID); err != nil {
			s.fail(c, err)
			return
		}
	}
	for _, mm := range ms {
		d.Members = append(d.Members, memberRow{Member: mm, Self: mm.ID == m.ID})
	}
	s.renderVendor(c, status, "members", vendorPage{Title: "Team", Error: formError, Data: d})
}

// inviteMember answers POST /vendor/members (admins only).
func (s *Server) inviteMember(c *gin.Context) {
	ctx, m := c.Request.Context(), member(c)
	err := checkForm(c)
	var nm vendors.Member
	if err == nil {
		nm, err = s.vendors.InviteMember(ctx, m.VendorID, vendors.NewMember{
			Email: c.PostForm("email"), Name: c.PostForm("name"), Role: c.PostForm("role"),
		})
	}
	var ve *vendors.ValidationError
	if errors.As(err, &ve) {
		s.renderMembers(c, http.StatusUnprocessableEntity, theFields(ve))
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.mailInvitation(ctx, nm, m.Label()); err != nil {
		s.log.Error("send member invitation", "err", err)
	}
	seeOther(c, "/vendor/members?done=invite")
}

// disableMember answers POST /vendor/members/:id/disable (admins only). An
// admin cannot disable themselves, so a team always keeps one way in.
func (s *Server) disableMember(c *gin.Context) {
	m := member(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		s.vendorNotFound(c)
		return
	}
	if id == m.ID {
		s.renderMembers(c, http.StatusUnprocessableEntity, "You cannot disable yourself: ask another admin.")
		return
	}
	if err := s.vendors.DisableMember(c.Request.Context(), m.VendorID, id); err != nil {
		s.vendorFailed(c, err)
		return
	}
	seeOther(c, "/vendor/members?done=disable")
}
