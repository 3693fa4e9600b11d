package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/risk"
)

type policyJSON struct {
	Offsets    []int `json:"offsets"`
	RepeatDays int   `json:"repeat_days"`
	// EarlyMention is "mention high-risk invoices earlier" (issue 16);
	// omitted in a PUT, it is left as it is.
	EarlyMention *risk.EarlyPolicy `json:"early_mention,omitempty"`
}

func (s *Server) getPolicy(c *gin.Context) {
	offsets, repeat, err := s.vendors.ReminderPolicy(c.Request.Context(), vendorID(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	out := policyJSON{Offsets: offsets, RepeatDays: repeat}
	if s.risk != nil {
		early, err := s.risk.Early(c.Request.Context(), vendorID(c))
		if err != nil {
			s.fail(c, err)
			return
		}
		out.EarlyMention = &early
	}
	c.JSON(http.StatusOK, out)
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
	if e := req.EarlyMention; e != nil && s.risk != nil {
		if e.Enabled {
			if err := e.Validate("early_mention."); err != nil {
				s.fail(c, err)
				return
			}
		} else {
			*e = risk.DefaultEarly
		}
		if err := s.risk.SetEarly(c.Request.Context(), vendorID(c), *e); err != nil {
			s.fail(c, err)
			return
		}
	}
	if err := s.vendors.SetReminderPolicy(c.Request.Context(), vendorID(c), p.Offsets, p.RepeatDays); err != nil {
		s.fail(c, err)
		return
	}
	if s.risk != nil && req.EarlyMention == nil {
		early, err := s.risk.Early(c.Request.Context(), vendorID(c))
		if err != nil {
			s.fail(c, err)
			return
		}
		req.EarlyMention = &early
	}
	c.JSON(http.StatusOK, req)
}
