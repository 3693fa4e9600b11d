package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/imports"
	"github.com/duehub/duehub/vendors"
)

// Issue 15: CSV import in the web inbox (admins). Preview reads the header
// and the first rows of an upload and shows them with the mapping and each
// row's errors; the mapping is saved once per vendor; an import streams the
// upload through imports.Run, which pushes ChunkRows at a time through the
// API's push path. Uploads carry their CSRF token in the URL (postedCSRF),
// so the body is read once, as a stream, never buffered whole.

const (
	maxImportBytes   = 64 << 20 // an accounting export of a few hundred thousand invoices
	maxReportBytes   = 4 << 20  // the stored error report
	importPreviewRow = 10
)

type importPage struct {
	Fields   []importField
	Header   []string
	Rows     []imports.Row
	Saved    bool
	Runs     []imports.ImportRun
	Filename string
}

type importField struct {
	imports.Field
	Column, Problem string
}

func (s *Server) importFields(m imports.Mapping, problems map[string]string) []importField {
	out := make([]importField, len(imports.Fields))
	for i, f := range imports.Fields {
		out[i] = importField{Field: f, Column: m[f.Name], Problem: problems[f.Name]}
	}
	return out
}

// importHome answers GET /vendor/import.
func (s *Server) importHome(c *gin.Context) {
	s.renderImport(c, http.StatusOK, importPage{}, "")
}

func (s *Server) renderImport(c *gin.Context, status int, d importPage, problem string) {
	ctx, m := c.Request.Context(), member(c)
	saved, err := s.imports.Mapping(ctx, m.VendorID)
	if err == nil && d.Fields == nil {
		d.Fields = s.importFields(saved, nil)
	}
	d.Saved = saved != nil
	if err == nil {
		d.Runs, err = s.imports.Runs(ctx, m.VendorID, 10)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.renderVendor(c, status, "import", vendorPage{Title: "Import invoices", Error: problem, Data: d})
}

// uploadedCSV finds the file part of a multipart upload, streaming.
func uploadedCSV(c *gin.Context) (*multipart.Part, error) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxImportBytes)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return nil, errors.New("choose a CSV file to upload")
	}
	for {
		p, err := mr.NextPart()
		if err != nil {
			return nil, errors.New("choose a CSV file to upload")
		}
		if p.FormName() == "file" && p.FileName() != "" {
			return p, nil
		}
	}
}

// previewImport answers POST /vendor/import/preview: the header, the
// mapping (saved, else guessed from the header) and the first rows checked.
func (s *Server) previewImport(c *gin.Context) {
	ctx, m := c.Request.Context(), member(c)
	part, err := uploadedCSV(c)
	var r *imports.Reader
	if err == nil {
		r, err = imports.NewReader(part)
	}
	if err != nil {
		s.renderImport(c, http.StatusUnprocessableEntity, importPage{}, "The file "+strings.TrimPrefix(err.Error(), "imports: ")+".")
		return
	}
	mapping, err := s.imports.Mapping(ctx, m.VendorID)
	if err != nil {
		s.fail(c, err)
		return
	}
	if mapping == nil {
		mapping = imports.Guess(r.Header())
	}
	rows, err := imports.Preview(r, mapping, importPreviewRow)
	if err != nil {
		s.renderImport(c, http.StatusUnprocessableEntity, importPage{}, "The file cannot be read: "+err.Error()+".")
		return
	}
	s.renderImport(c, http.StatusOK, importPage{Fields: s.importFields(mapping, mapping.Check(r.Header())), Header: r.Header(),
		Rows: rows, Filename: part.FileName()}, "")
}

// saveImportMapping answers POST /vendor/import/mapping.
func (s *Server) saveImportMapping(c *gin.Context) {
	ctx, m := c.Request.Context(), member(c)
	if err := checkForm(c); err != nil {
		s.renderImport(c, http.StatusUnprocessableEntity, importPage{}, err.Error())
		return
	}
	mapping := imports.Mapping{}
	header := c.PostFormArray("header")
	for _, f := range imports.Fields {
		if col := c.PostForm("map_" + f.Name); col != "" {
			mapping[f.Name] = col
		}
	}
	if problems := mapping.Check(header); len(problems) > 0 {
		s.renderImport(c, http.StatusUnprocessableEntity, importPage{Fields: s.importFields(mapping, problems), Header: header},
			"Map every required field to a column of your file.")
		return
	}
	if err := s.imports.SaveMapping(ctx, m.VendorID, mapping); err != nil {
		s.fail(c, err)
		return
	}
	seeOther(c, "/vendor/import?done=mapping")
}

// cappedBuffer keeps the first max bytes written and drops the rest.
type cappedBuffer struct {
	bytes.Buffer
	max       int
	truncated bool
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); len(p) > room {
		b.truncated = true
		if room > 0 {
			b.Buffer.Write(p[:room])
		}
		return len(p), nil
	}
	return b.Buffer.Write(p)
}

// runImport answers POST /vendor/import/run: the upload, streamed through
// the saved mapping into the push.
func (s *Server) runImport(c *gin.Context) {
	ctx, m := c.Request.Context(), member(c)
	mapping, err := s.imports.Mapping(ctx, m.VendorID)
	if err != nil {
		s.fail(c, err)
		return
	}
	if mapping == nil {
		s.renderImport(c, http.StatusUnprocessableEntity, importPage{}, "Preview a file and save its column mapping first.")
		return
	}
	part, err := uploadedCSV(c)
	var r *imports.Reader
	if err == nil {
		r, err = imports.NewReader(part)
	}
	if err != nil {
		s.renderImport(c, http.StatusUnprocessableEntity, importPage{}, "The file "+strings.TrimPrefix(err.Error(), "imports: ")+".")
		return
	}
	if problems := mapping.Check(r.Header()); len(problems) > 0 {
		s.renderImport(c, http.StatusUnprocessableEntity, importPage{Fields: s.importFields(mapping, problems), Header: r.Header()},
			"This file's columns do not match your saved mapping: preview it and save a new mapping.")
		return
	}
	report := &cappedBuffer{max: maxReportBytes}
	push := func(ctx2 context.Context, items []vendors.InvoiceInput) ([]vendors.PushResult, error) {
		return s.vendors.PushInvoices(ctx2, m.VendorID, items)
	}
	counts, err := imports.Run(ctx, r, mapping, push, report)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		s.renderImport(c, http.StatusRequestEntityTooLarge, importPage{}, fmt.Sprintf(
			"The file is larger than %d MB: split it. The first %d rows were imported.", maxImportBytes>>20, counts.Rows))
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	text := report.String()
	if report.truncated {
		text += "# the report stops here: more errors than fit\n"
	}
	run, err := s.imports.SaveRun(ctx, m.VendorID, m.ID, part.FileName(), counts, text)
	if err != nil {
		s.fail(c, err)
		return
	}
	seeOther(c, "/vendor/import/runs/"+strconv.FormatInt(run.ID, 10))
}

// importRunPage answers GET /vendor/import/runs/:id.
func (s *Server) importRunPage(c *gin.Context) {
	run, ok := s.importRun(c)
	if !ok {
		return
	}
	run.ErrorCSV = ""
	s.renderVendor(c, http.StatusOK, "import_run", vendorPage{Title: "Import of " + run.Filename, Data: run})
}

// importErrorsCSV answers GET /vendor/import/runs/:id/errors.csv.
func (s *Server) importErrorsCSV(c *gin.Context) {
	run, ok := s.importRun(c)
	if !ok {
		return
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="import-%d-errors.csv"`, run.ID))
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/csv; charset=utf-8", []byte(run.ErrorCSV))
}

func (s *Server) importRun(c *gin.Context) (imports.ImportRun, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		s.vendorNotFound(c)
		return imports.ImportRun{}, false
	}
	run, err := s.imports.Run(c.Request.Context(), member(c).VendorID, id)
	if err != nil {
		s.vendorFailed(c, err)
		return imports.ImportRun{}, false
	}
	return run, true
}

var _ io.Writer = (*cappedBuffer)(nil)
