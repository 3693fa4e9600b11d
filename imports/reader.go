package imports

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/duehub/duehub/money"
	"github.com/duehub/duehub/vendors"
)

// Reader streams the rows of a CSV file as invoice inputs, one at a time.
type Reader struct {
	csv    *csv.Reader
	header []string
	cols   map[string]int // field -> column index
	line   int
}

// ErrNoHeader means the file is empty or its first row is not a header.
var ErrNoHeader = errors.New("the file has no header row")

// NewReader reads the header row of r. The delimiter is guessed from the
// header: a semicolon (European exports) when it has more of them than commas.
func NewReader(r io.Reader) (*Reader, error) {
	br := newPeeker(r)
	first, _ := br.peekLine()
	cr := csv.NewReader(br)
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1 // short and long rows are reported per row, not fatal
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, ErrNoHeader
		}
		return nil, fmt.Errorf("imports: header: %w", err)
	}
	header = slicesClone(header)
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
	return &Reader{csv: cr, header: header, line: 1}, nil
}

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

// Next reads the next row; io.EOF at the end. A row that csv cannot parse
// (a stray quote) is a Row with an error, and reading goes on.
func (r *Reader) Next() (Row, error) {
	for {
		rec, err := r.csv.Read()
		r.line++
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return Row{Line: pe.StartLine, Errors: []vendors.FieldError{{Field: "row", Message: "is not valid CSV: " + pe.Err.Error()}}}, nil
		}
		if err != nil {
			return Row{}, err
		}
		line, _ := r.csv.FieldPos(0)
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
