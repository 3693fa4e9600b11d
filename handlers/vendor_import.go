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

// Issue 15: CSV and XLSX import in the web inbox (admins). Preview reads
// the header and the first rows of an upload and shows them with the
// mapping and each row's errors; the mapping is saved once per vendor; an
// import streams the upload through imports.Run, which pushes ChunkRows at
// a time through the API's push path, into the live vendor or, when the
// admin chooses test mode, into its sandbox (the vendor row its dh_test_
// keys write to). Uploads carry their CSRF token as the first field of the
// multipart body (postedCSRF), so the body is read once, as a stream, never
// buffered whole.

const (
	maxImportBytes   = maxUploadBytes
	maxReportBytes   = 4 << 20 // the stored error report
	importPreviewRow = 10
)

type importPage struct {
	Fields   []importField
	Header   []string
	Rows     []imports.Row
	Saved    bool
	Runs     []imports.ImportRun
	Filename string
	TestMode bool // the upload form's "test mode" choice, kept across a preview
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

// openUpload opens the uploaded file, CSV or XLSX, and says whether the
// admin chose to import it into the sandbox. The caller closes the reader.
func openUpload(c *gin.Context) (*imports.Reader, *multipart.Part, bool, error) {
	part, fields, err := multipartUpload(c, "file")
	if err != nil {
		return nil, nil, false, err
	}
	r, err := imports.Open(part)
	return r, part, fields["mode"] == "test", err
}

// uploadProblem renders what is wrong with an upload that cannot be read.
func (s *Server) uploadProblem(c *gin.Context, err error) {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		s.renderImport(c, http.StatusRequestEntityTooLarge, importPage{}, fmt.Sprintf("The file is larger than %d MB: split it.", maxImportBytes>>20))
		return
	}
	s.renderImport(c, http.StatusUnprocessableEntity, importPage{}, "The file "+strings.TrimPrefix(err.Error(), "imports: ")+".")
}

// previewImport answers POST /vendor/import/preview: the header, the
// mapping (saved, else guessed from the header) and the first rows checked.
func (s *Server) previewImport(c *gin.Context) {
	ctx, m := c.Request.Context(), member(c)
	r, part, testMode, err := openUpload(c)
	if err != nil {
		s.uploadProblem(c, err)
		return
	}
	defer r.Close()
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
		s.renderImport(c, http.StatusUnprocessableEntity, importPage{}, "The file cannot be read: "+strings.TrimPrefix(err.Error(), "imports: ")+".")
		return
	}
	s.renderImport(c, http.StatusOK, importPage{Fields: s.importFields(mapping, mapping.Check(r.Header())), Header: r.Header(),
		Rows: rows, Filename: part.FileName(), TestMode: testMode}, "")
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
	r, part, testMode, err := openUpload(c)
	if err != nil {
		s.uploadProblem(c, err)
		return
	}
	defer r.Close()
	if problems := mapping.Check(r.Header()); len(problems) > 0 {
		s.renderImport(c, http.StatusUnprocessableEntity, importPage{Fields: s.importFields(mapping, problems), Header: r.Header()},
			"This file's columns do not match your saved mapping: preview it and save a new mapping.")
		return
	}
	target := m.VendorID
	if testMode {
		sandbox, err := s.vendors.SandboxOf(ctx, m.VendorID)
		if err != nil {
			s.fail(c, err)
			return
		}
		target = sandbox.ID
	}
	report := &cappedBuffer{max: maxReportBytes}
	push := func(ctx2 context.Context, items []vendors.InvoiceInput) ([]vendors.PushResult, error) {
		return s.vendors.PushInvoices(ctx2, target, items)
	}
	counts, err := imports.Run(ctx, r, mapping, push, report)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		s.renderImport(c, http.StatusRequestEntityTooLarge, importPage{}, fmt.Sprintf(
			"The file is larger than %d MB: split it. The first %d rows were imported.", maxImportBytes>>20, counts.Rows))
		return
	}
	var bad *imports.FileError
	if errors.As(err, &bad) {
		s.renderImport(c, http.StatusUnprocessableEntity, importPage{}, fmt.Sprintf(
			"The file %s. The first %d rows were imported.", bad.Msg, counts.Rows))
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
	run, err := s.imports.SaveRun(ctx, m.VendorID, m.ID, part.FileName(), counts, text, testMode)
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
	title := "Import of " + run.Filename
	if run.TestMode {
		title = "Test-mode import of " + run.Filename
	}
	s.renderVendor(c, http.StatusOK, "import_run", vendorPage{Title: title, Data: run})
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
