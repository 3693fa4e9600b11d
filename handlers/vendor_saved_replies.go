package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
)

// Saved replies (issue 13): the team's canned answers, managed on
// /vendor/replies and inserted into a thread's reply form with a plain GET
// (?use=<id>), so no JavaScript is needed.

type savedRepliesData struct {
	Replies []savedReplyForm
	New     savedReplyForm
}

// savedReplyForm is one saved reply's form, with what was typed and the
// errors next to its fields after a refusal.
type savedReplyForm struct {
	ID                    int64
	Title, Body           string
	TitleError, BodyError string
}

var savedReplyFlash = map[string]string{
	"saved":   "The saved reply was saved.",
	"deleted": "The saved reply was deleted.",
}

// savedRepliesPage answers GET /vendor/replies.
func (s *Server) savedRepliesPage(c *gin.Context) {
	s.renderSavedReplies(c, http.StatusOK, nil)
}

// renderSavedReplies shows the list; refused, when set, replaces the form
// of its id (0: the new one) with what was typed and its errors.
func (s *Server) renderSavedReplies(c *gin.Context, status int, refused *savedReplyForm) {
	rs, err := s.threads.SavedReplies(c.Request.Context(), member(c).VendorID)
	if err != nil {
		s.fail(c, err)
		return
	}
	var d savedRepliesData
	for _, r := range rs {
		f := savedReplyForm{ID: r.ID, Title: r.Title, Body: r.Body}
		if refused != nil && refused.ID == r.ID {
			f = *refused
		}
		d.Replies = append(d.Replies, f)
	}
	if refused != nil && refused.ID == 0 {
		d.New = *refused
	}
	p := vendorPage{Title: "Saved replies", Data: d, Flash: savedReplyFlash[c.Query("done")]}
	if refused != nil {
		p.Title = "Error: " + p.Title
	}
	s.renderVendor(c, status, "replies", p)
}

// saveReply answers POST /vendor/replies (a new one) and
// POST /vendor/replies/:id (a change).
func (s *Server) saveReply(c *gin.Context) {
	var id int64
	if c.Param("id") != "" {
		var err error
		if id, err = strconv.ParseInt(c.Param("id"), 10, 64); err != nil || id <= 0 {
			s.vendorNotFound(c)
			return
		}
	}
	title, body := c.PostForm("title"), c.PostForm("body")
	err := checkForm(c, "body")
	if err == nil {
		_, err = s.threads.SaveReply(c.Request.Context(), member(c).VendorID, id, title, body)
	}
	var ve *vendors.ValidationError
	if errors.As(err, &ve) {
		f := savedReplyForm{ID: id, Title: title, Body: body}
		for _, fe := range ve.Fields {
			switch fe.Field {
			case "title":
				f.TitleError = "The title " + fe.Message + "."
			default:
				f.BodyError = firstNonEmpty(f.BodyError, "The text "+fe.Message+".")
			}
		}
		s.renderSavedReplies(c, http.StatusUnprocessableEntity, &f)
		return
	}
	if err != nil {
		s.vendorFailed(c, err)
		return
	}
	seeOther(c, "/vendor/replies?done=saved")
}

// deleteReply answers POST /vendor/replies/:id/delete.
func (s *Server) deleteReply(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 || checkForm(c) != nil {
		s.vendorNotFound(c)
		return
	}
	if err := s.threads.DeleteSavedReply(c.Request.Context(), member(c).VendorID, id); err != nil {
		s.vendorFailed(c, err)
		return
	}
	seeOther(c, "/vendor/replies?done=deleted")
}

// savedReplyOptions lists the vendor's saved replies for the thread page,
// and the text of the one ?use= names ("" when none, or not the vendor's).
func (s *Server) savedReplyOptions(c *gin.Context, vendorID int64) ([]threads.SavedReply, string, error) {
	rs, err := s.threads.SavedReplies(c.Request.Context(), vendorID)
	if err != nil {
		return nil, "", err
	}
	use, _ := strconv.ParseInt(c.Query("use"), 10, 64)
	for _, r := range rs {
		if r.ID == use {
			return rs, r.Body, nil
		}
	}
	return rs, "", nil
}
