package imports

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/duehub/duehub/money"
	"github.com/duehub/duehub/vendors"
)

// Reader streams the rows of a CSV or XLSX file as invoice inputs, one at a
// time.
type Reader struct {
	src    rowSource
	header []string
	cols   map[string]int // field -> column index
	xlsx   bool
	// date1904 is an XLSX workbook's date system, for a date column
	// whose cells are numbers without a date style.
	date1904 bool
}

// rowSource is a file format's rows: next returns a record and its line in
// the file, a *rowError for a row that cannot be read while reading may go
// on, or io.EOF.
type rowSource interface {
	next() ([]string, int, error)
	close() error
}

type rowError struct {
	line int
	msg  string
}

func (e *rowError) Error() string { return e.msg }

// ErrNoHeader means the file is empty or its first row is not a header.
var ErrNoHeader = errors.New("the file has no header row")

// NewReader reads the header row of a CSV file. The delimiter is guessed
// from the header: a semicolon (European exports) when it has more of them
// than commas.
func NewReader(r io.Reader) (*Reader, error) {
	return newReader(newCSVSource(newPeeker(r)), false)
}

// Open reads the header row of an upload, CSV or XLSX, told apart by its
// content: an XLSX workbook is a zip (it starts "PK\x03\x04") holding
// xl/workbook.xml. A workbook is spooled to a temporary file first (a zip
// is read from its end); Close removes it.
func Open(r io.Reader) (*Reader, error) {
	br := newPeeker(r)
	magic, _ := br.Peek(8)
	switch {
	case bytes.HasPrefix(magic, []byte("PK\x03\x04")):
	case bytes.HasPrefix(magic, []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")):
		return nil, fileErr("is an old Excel .xls workbook: save it as .xlsx or CSV")
	default:
		return NewReader(br)
	}
	spool, err := os.CreateTemp("", "duehub-import-*.xlsx")
	if err != nil {
		return nil, fmt.Errorf("imports: spool: %w", err)
	}
	os.Remove(spool.Name()) // unlinked: gone when closed, whatever happens
	size, err := io.Copy(spool, br)
	if err != nil {
		spool.Close()
		return nil, err
	}
	x, err := openXLSX(spool, size)
	if err != nil {
		spool.Close()
		return nil, err
	}
	rd, err := newReader(x, true)
	if err != nil {
		x.close()
		return nil, err
	}
	rd.date1904 = x.date1904
	return rd, nil
}

// Close releases what the reader holds: an XLSX upload's temporary files.
func (r *Reader) Close() error { return r.src.close() }

func newReader(src rowSource, xlsx bool) (*Reader, error) {
	var header []string
	for header == nil {
		rec, _, err := src.next()
		var re *rowError
		switch {
		case errors.Is(err, io.EOF):
			return nil, ErrNoHeader
		case errors.As(err, &re):
			return nil, fmt.Errorf("imports: header: %w", err)
		case err != nil:
			return nil, err
		}
		header = slicesClone(rec)
		if !xlsx {
			break
		}
		if blank(header) {
			header = nil // a workbook's rows may start below empty ones
		}
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff") // a BOM from spreadsheet exports
	}
	nonEmpty := false
	for i := range header {
		header[i] = strings.TrimSpace(header[i])
		nonEmpty = nonEmpty || header[i] != ""
	}
	if !nonEmpty {
		return nil, ErrNoHeader
	}
	return &Reader{src: src, header: header, xlsx: xlsx}, nil
}

type csvSource struct{ cr *csv.Reader }

func newCSVSource(br peeker) *csvSource {
	first, _ := br.peekLine()
	cr := csv.NewReader(br)
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1 // short and long rows are reported per row, not fatal
	cr.ReuseRecord = true
	return &csvSource{cr: cr}
}

func (s *csvSource) next() ([]string, int, error) {
	rec, err := s.cr.Read()
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return nil, pe.StartLine, &rowError{line: pe.StartLine, msg: "is not valid CSV: " + pe.Err.Error()}
	}
	if err != nil {
		return nil, 0, err
	}
	line, _ := s.cr.FieldPos(0)
	return rec, line, nil
}

func (s *csvSource) close() error { return nil }

func slicesClone(s []string) []string { return append([]string(nil), s...) }

// Header is the file's header row.
func (r *Reader) Header() []string { return r.header }

// Use sets the mapping the rows are read with.
func (r *Reader) Use(m Mapping) {
	r.cols = map[string]int{}
	for field, col := range m {
		for i, h := range r.header {
			if h == col && col != "" {
				r.cols[field] = i
				break
			}
		}
	}
}

// Row is one data row: its line in the file, its cells, the invoice it
// makes and what is wrong with it before any push.
type Row struct {
	Line   int
	Cells  []string
	Input  vendors.InvoiceInput
	Errors []vendors.FieldError
}

// Next reads the next row; io.EOF at the end. A row that cannot be parsed
// (a stray quote in CSV) is a Row with an error, and reading goes on.
func (r *Reader) Next() (Row, error) {
	for {
		rec, line, err := r.src.next()
		var re *rowError
		if errors.As(err, &re) {
			return Row{Line: re.line, Errors: []vendors.FieldError{{Field: "row", Message: re.msg}}}, nil
		}
		if err != nil {
			return Row{}, err
		}
		if blank(rec) {
			continue
		}
		row := Row{Line: line, Cells: slicesClone(rec)}
		row.Input, row.Errors = r.input(row.Cells)
		return row, nil
	}
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func (r *Reader) cell(cells []string, field string) (string, bool) {
	i, ok := r.cols[field]
	if !ok {
		return "", false
	}
	if i >= len(cells) {
		return "", true
	}
	return strings.TrimSpace(cells[i]), true
}

// input turns a row into an invoice. Amounts are read as people type them,
// in the currency's major unit ("1,250.00"), into minor units.
func (r *Reader) input(cells []string) (vendors.InvoiceInput, []vendors.FieldError) {
	get := func(f string) string { v, _ := r.cell(cells, f); return v }
	in := vendors.InvoiceInput{ExternalID: get("external_id"), Number: get("number"), Currency: strings.ToUpper(get("currency")),
		IssueDate: get("issue_date"), DueDate: get("due_date"), PayURL: get("pay_url"), Status: strings.ToLower(get("status")), Memo: get("memo"),
		Customer: vendors.CustomerInput{ExternalID: get("customer_id"), Omitted: vendors.FieldSMSConsent | vendors.FieldSMSConsentSource}}
	for field, omit := range map[string]vendors.CustomerFields{"customer_name": vendors.FieldName, "customer_email": vendors.FieldEmail, "customer_phone": vendors.FieldPhone} {
		v, mapped := r.cell(cells, field)
		if !mapped {
			in.Customer.Omitted |= omit
			continue
		}
		switch field {
		case "customer_name":
			in.Customer.Name = v
		case "customer_email":
			in.Customer.Email = v
		case "customer_phone":
			in.Customer.Phone = v
		}
	}
	if r.xlsx {
		for _, d := range []*string{&in.IssueDate, &in.DueDate} {
			if s, ok := serialDate(*d, r.date1904); ok && significant(*d) > 0 && strings.Trim(*d, "0123456789.") == "" {
				*d = s
			}
		}
	}
	var fe []vendors.FieldError
	for _, f := range []struct {
		name string
		dst  **int64
	}{{"amount_due", &in.AmountDue}, {"amount_remaining", &in.AmountRemaining}} {
		v, _ := r.cell(cells, f.name)
		if v == "" {
			continue // a missing amount_due is the push's own error
		}
		if !money.Valid(in.Currency) {
			continue // the push names the currency
		}
		n, err := money.Parse(v, in.Currency)
		if err != nil {
			fe = append(fe, vendors.FieldError{Field: f.name, Message: strings.TrimPrefix(err.Error(), "money: ")})
			continue
		}
		*f.dst = &n
	}
	return in, fe
}
