package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/bundler"
)

type policyJSON struct {
	Offsets    []int `json:"offsets"`
	RepeatDays int   `json:"repeat_days"`
}

func (s *Server) getPolicy(c *gin.Context) {
	offsets, repeat, err := s.vendors.ReminderPolicy(c.Request.Context(), vendorID(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, policyJSON{Offsets: offsets, RepeatDays: repeat})
}

func (s *Server) putPolicy(c *gin.Context) {
	body, err := readBody(c, maxSingleBody)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req policyJSON
	if err := decodeStrict(body, &req); err != nil {
		s.fail(c, err)
		return
	}
	p := bundler.Policy{Offsets: req.Offsets, RepeatDays: req.RepeatDays}
	if err := p.Validate(); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.vendors.SetReminderPolicy(c.Request.Context(), vendorID(c), p.Offsets, p.RepeatDays); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, req)
}
