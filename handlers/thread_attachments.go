package handlers

import (
	"errors"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/inbound"
	"github.com/duehub/duehub/vendors"
)

// Files a payer attached to an emailed reply, listed on the thread it was
// routed into and downloaded by the thread's vendor. Never rendered: the
// download is application/octet-stream, as an attachment, sniffing off.

type attachmentJSON struct {
	ID          int64     `json:"id"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	CreatedAt   time.Time `json:"created_at"`
}

type attachmentList struct {
	Data []attachmentJSON `json:"data"`
}

// listThreadAttachments answers GET /v1/threads/:id/attachments.
func (s *Server) listThreadAttachments(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	if _, err := s.threads.VendorThread(ctx, vendorID(c), id); err != nil {
		s.fail(c, err)
		return
	}
	out := attachmentList{Data: []attachmentJSON{}}
	if s.inbound != nil {
		files, err := s.inbound.Store().ThreadAttachments(ctx, vendorID(c), id)
		if err != nil {
			s.fail(c, err)
			return
		}
		for _, f := range files {
			out.Data = append(out.Data, attachmentJSON{ID: f.ID, Filename: f.Filename, ContentType: f.ContentType, Size: f.Size, CreatedAt: f.CreatedAt.UTC()})
		}
	}
	c.JSON(http.StatusOK, out)
}

// attachmentView is a file of a payer's emailed reply on the vendor's
// thread page, downloaded from vendorThreadAttachment.
type attachmentView struct {
	ID       int64
	Filename string
	Size     string
}

// byteSize says a file's size as a person reads it.
func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt((n+512)>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// vendorThreadAttachment answers GET
// /vendor/threads/:id/attachments/:attachment_id for a signed-in member:
// the file, as a download only, exactly as the API serves it.
func (s *Server) vendorThreadAttachment(c *gin.Context) {
	s.serveAttachment(c, member(c).VendorID, s.vendorNotFound)
}

// getThreadAttachment answers GET /v1/threads/:id/attachments/:attachment_id.
func (s *Server) getThreadAttachment(c *gin.Context) {
	s.serveAttachment(c, vendorID(c), func(c *gin.Context) { s.fail(c, vendors.ErrNotFound) })
}

// serveAttachment sends one of the vendor's thread attachments as a
// download that no browser renders; notFound answers a missing one.
func (s *Server) serveAttachment(c *gin.Context, vendorID int64, notFound func(*gin.Context)) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	aid, aerr := strconv.ParseInt(c.Param("attachment_id"), 10, 64)
	if err != nil || aerr != nil || id <= 0 || s.inbound == nil {
		notFound(c)
		return
	}
	f, err := s.inbound.Store().ThreadAttachment(c.Request.Context(), vendorID, id, aid)
	if errors.Is(err, inbound.ErrNotFound) {
		notFound(c)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Filename}))
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Content-Security-Policy", "sandbox")
	c.Data(http.StatusOK, "application/octet-stream", f.Data)
}
