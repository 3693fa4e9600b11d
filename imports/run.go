package imports

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/duehub/duehub/vendors"
)

// ChunkRows is how many rows go to the push at once: the API's batch size
// halved, so one import never holds more than this many rows in memory.
const ChunkRows = 500

// Pusher stores a chunk of invoices for the vendor through the API's push
// path (vendors.Store.PushInvoices), one result per input.
type Pusher func(ctx context.Context, items []vendors.InvoiceInput) ([]vendors.PushResult, error)

// Counts is what an import did.
type Counts struct {
	Rows, Created, Updated, Unchanged, Errors int
}

// ReportHeader is the header of the error report CSV.
var ReportHeader = []string{"line", "external_id", "field", "message"}

// Run imports every row of the file with the mapping, pushing ChunkRows at
// a time, and writes one report line per error (a row with two bad fields
// has two lines) to report, header first.
func Run(ctx context.Context, r *Reader, m Mapping, push Pusher, report io.Writer) (Counts, error) {
	r.Use(m)
	w := csv.NewWriter(report)
	if err := w.Write(ReportHeader); err != nil {
		return Counts{}, err
	}
	var c Counts
	bad := func(line int, id string, fe []vendors.FieldError) {
		c.Errors++
		for _, f := range fe {
			w.Write([]string{strconv.Itoa(line), csvSafe(id), f.Field, csvSafe(f.Message)})
		}
	}
	chunk := make([]vendors.InvoiceInput, 0, ChunkRows)
	lines := make([]int, 0, ChunkRows)
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		res, err := push(ctx, chunk)
		if err != nil {
			return err
		}
		for i, pr := range res {
			switch pr.Result {
			case vendors.ResultCreated:
				c.Created++
			case vendors.ResultUpdated:
				c.Updated++
			case vendors.ResultUnchanged:
				c.Unchanged++
			default:
				bad(lines[i], chunk[i].ExternalID, pr.Errors)
			}
		}
		chunk, lines = chunk[:0], lines[:0]
		return nil
	}
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return c, fmt.Errorf("imports: read: %w", err)
		}
		c.Rows++
		if len(row.Errors) > 0 {
			bad(row.Line, row.Input.ExternalID, row.Errors)
			continue
		}
		chunk, lines = append(chunk, row.Input), append(lines, row.Line)
		if len(chunk) == ChunkRows {
			if err := flush(); err != nil {
				return c, err
			}
		}
	}
	if err := flush(); err != nil {
		return c, err
	}
	w.Flush()
	return c, w.Error()
}

// Preview reads the first n rows with the mapping and checks each as a push
// would, without storing anything.
func Preview(r *Reader, m Mapping, n int) ([]Row, error) {
	r.Use(m)
	var rows []Row
	for len(rows) < n {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return rows, err
		}
		if len(row.Errors) == 0 {
			row.Errors = vendors.ValidateInvoice(row.Input)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// csvSafe keeps a cell from being read as a formula when the report is
// opened in a spreadsheet (CSV injection): values from the uploaded file
// come back in the report.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}
