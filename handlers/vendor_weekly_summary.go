package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// The weekly summary email (issue 12, package jobs) goes to every admin;
// each admin turns their own on or off on the team page.

// setWeeklySummary answers POST /vendor/members/weekly-summary (admins):
// on=true or on=false for the signed-in admin only.
func (s *Server) setWeeklySummary(c *gin.Context) {
	var on bool
	switch c.PostForm("on") {
	case "true":
		on = true
	case "false":
	default:
		s.renderMembers(c, http.StatusUnprocessableEntity, "The weekly summary must be turned on or off.")
		return
	}
	m := member(c)
	if err := s.vendors.SetWeeklySummary(c.Request.Context(), m.VendorID, m.ID, on); err != nil {
		s.fail(c, err)
		return
	}
	seeOther(c, "/vendor/members?done=weekly")
}
