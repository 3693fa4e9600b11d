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

// getThreadAttachment answers GET /v1/threads/:id/attachments/:attachment_id.
func (s *Server) getThreadAttachment(c *gin.Context) {
	id, err := idParam(c)
	aid, aerr := strconv.ParseInt(c.Param("attachment_id"), 10, 64)
	if err != nil || aerr != nil || s.inbound == nil {
		s.fail(c, vendors.ErrNotFound)
		return
	}
	f, err := s.inbound.Store().ThreadAttachment(c.Request.Context(), vendorID(c), id, aid)
	if errors.Is(err, inbound.ErrNotFound) {
		s.fail(c, vendors.ErrNotFound)
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
