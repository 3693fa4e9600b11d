package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/inbound"
)

// The replies a payer emailed that could not be routed with certainty
// (no vendor named, or a sender we do not know): listed with one button per
// vendor, so that the payer decides where each goes. Nothing is guessed.

type heldReplyView struct {
	ID       int64
	Received string
	From     string
	Subject  string
	Body     string
	Why      string
	Vendors  []inbound.VendorChoice
}

var heldWhy = map[string]string{
	inbound.ReasonAmbiguous:     "It does not name an invoice or a vendor.",
	inbound.ReasonUnknownSender: "It came from an address that is not one of your contacts: send it only if it is yours.",
	inbound.ReasonClosed:        "The conversation it answers is closed.",
}

// repliesPage answers GET /portal/replies.
func (s *Server) repliesPage(c *gin.Context) {
	ctx, pid := c.Request.Context(), payerID(c)
	held, err := s.inbound.Store().Held(ctx, pid)
	if err != nil {
		s.fail(c, err)
		return
	}
	views := make([]heldReplyView, 0, len(held))
	for _, r := range held {
		choices, err := s.inbound.Choices(ctx, pid, r)
		if err != nil {
			s.fail(c, err)
			return
		}
		views = append(views, heldReplyView{ID: r.ID, Received: s.payerMoment(c, r.CreatedAt), From: r.FromAddr,
			Subject: r.Subject, Body: r.Body, Why: heldWhy[r.Reason], Vendors: choices})
	}
	flash := ""
	if c.Query("done") == "sent" {
		flash = "Your reply was sent to the vendor. Its answer will appear in your inbox, and we will email you."
	}
	s.renderPortal(c, http.StatusOK, "replies", portalPage{Title: "Replies waiting for you", Flash: flash, Data: views})
}

// sendHeldReply answers POST /portal/replies/:id/send with vendor_id: the
// payer's choice routes the held reply as a question to that vendor.
func (s *Server) sendHeldReply(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	vendor, verr := strconv.ParseInt(c.PostForm("vendor_id"), 10, 64)
	if err != nil || verr != nil {
		s.portalNotFound(c)
		return
	}
	_, err = s.inbound.SendHeld(c.Request.Context(), payerID(c), id, vendor)
	if errors.Is(err, inbound.ErrNotFound) {
		s.portalNotFound(c)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	seeOther(c, "/portal/replies?done=sent")
}
