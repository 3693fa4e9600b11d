package handlers

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"

	"github.com/gin-gonic/gin"
)

// Multipart uploads (issue 15's import) are read as a stream: the CSRF
// token first, then the small fields, then the file, whose part the handler
// reads to its end without the body ever being buffered whole.

const (
	maxUploadBytes     = 64 << 20 // an accounting export of a few hundred thousand invoices
	maxUploadFieldSize = 1 << 10  // csrf and the other small fields before the file
	ctxMultipart       = "duehub.multipart"
)

// multipartCSRF reads the first part of a multipart body, which must be the
// csrf field, and keeps the reader for the handler. Any other first part
// (the file before the token, a cross-site form without it) is no token.
func multipartCSRF(c *gin.Context) string {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxUploadBytes)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return ""
	}
	p, err := mr.NextPart()
	if err != nil || p.FormName() != "csrf" || p.FileName() != "" {
		return ""
	}
	token, ok := smallField(p)
	if !ok {
		return ""
	}
	c.Set(ctxMultipart, mr)
	return token
}

// smallField reads a form field of at most maxUploadFieldSize bytes.
func smallField(p *multipart.Part) (string, bool) {
	b, err := io.ReadAll(io.LimitReader(p, maxUploadFieldSize+1))
	return string(b), err == nil && len(b) <= maxUploadFieldSize
}

var errNoUpload = errors.New("choose a CSV or XLSX file to upload")

// multipartUpload reads, after the csrf field postedCSRF took, the small
// fields up to the file part named name, which it returns unread with the
// fields seen before it.
func multipartUpload(c *gin.Context, name string) (*multipart.Part, map[string]string, error) {
	v, _ := c.Get(ctxMultipart)
	mr, _ := v.(*multipart.Reader)
	if mr == nil {
		return nil, nil, errNoUpload
	}
	fields := map[string]string{}
	for len(fields) < 16 {
		p, err := mr.NextPart()
		if err != nil {
			return nil, nil, errNoUpload
		}
		if p.FormName() == name && p.FileName() != "" {
			return p, fields, nil
		}
		if p.FileName() == "" {
			if s, ok := smallField(p); ok {
				fields[p.FormName()] = s
			}
		}
	}
	return nil, nil, errNoUpload
}
