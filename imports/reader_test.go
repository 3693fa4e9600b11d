package imports

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/duehub/duehub/vendors"
)

const sample = "\ufeffInvoice ID;Number;Customer ID;Customer;Email;Currency;Amount;Due date\n" +
	"INV-1;1;C-1;Acme;ap@acme.example;EUR;1.250,00;2026-12-01\n" + // European decimal comma: not understood, an error
	"INV-2;2;C-1;Acme;ap@acme.example;EUR;1250.5;2026-12-01\n" +
	";;;;;;;\n" + // blank rows are skipped
	"INV-3;3;C-2;Globex;ap@globex.example;JPY;1250.5;2026-12-01\n"

func TestReaderMapsRows(t *testing.T) {
	r, err := NewReader(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if h := r.Header(); len(h) != 8 || h[0] != "Invoice ID" {
		t.Fatalf("header = %q (the BOM must go, ; must split)", h)
	}
	m := Guess(r.Header())
	m["external_id"] = "Invoice ID"
	m["customer_id"] = "Customer ID"
	if p := m.Check(r.Header()); len(p) != 0 {
		t.Fatalf("mapping problems: %v (mapping %v)", p, m)
	}
	rows, err := Preview(r, m, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3", len(rows))
	}
	if len(rows[0].Errors) == 0 || rows[0].Errors[0].Field != "amount_due" {
		t.Errorf("row 1 errors = %v, want amount_due", rows[0].Errors)
	}
	if in := rows[1].Input; len(rows[1].Errors) != 0 || *in.AmountDue != 125050 || in.Customer.Email != "ap@acme.example" || in.Currency != "EUR" {
		t.Errorf("row 2 = %+v %v", in, rows[1].Errors)
	}
	if rows[1].Input.Customer.Omitted.Has(vendors.FieldEmail) || !rows[1].Input.Customer.Omitted.Has(vendors.FieldPhone) {
		t.Error("a mapped column must be pushed, an unmapped one omitted")
	}
	if rows[2].Line != 5 || len(rows[2].Errors) == 0 || rows[2].Errors[0].Field != "amount_due" {
		t.Errorf("row 3 (JPY has no decimals) = line %d %v", rows[2].Line, rows[2].Errors)
	}
}

func TestMappingCheck(t *testing.T) {
	p := Mapping{"external_id": "id", "number": "gone"}.Check([]string{"id", "n"})
	if p["number"] == "" || p["due_date"] == "" || p["external_id"] != "" {
		t.Errorf("problems = %v", p)
	}
}

// gen streams n generated rows (every 1000th one bad) without holding them.
func gen(n int) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		w := csv.NewWriter(pw)
		w.Write([]string{"external_id", "number", "customer_id", "customer_email", "currency", "amount_due", "due_date"})
		for i := 0; i < n; i++ {
			due := "2026-12-01"
			if i%1000 == 999 {
				due = "someday"
			}
			w.Write([]string{fmt.Sprintf("INV-%06d", i), fmt.Sprint(i), fmt.Sprintf("C-%d", i%5000),
				fmt.Sprintf("ap%d@payer.example", i%5000), "USD", "1,250.00", due})
		}
		w.Flush()
		pw.CloseWithError(w.Error())
	}()
	return pr
}

func validatingPusher(maxChunk *int, peak *uint64) Pusher {
	return func(_ context.Context, items []vendors.InvoiceInput) ([]vendors.PushResult, error) {
		*maxChunk = max(*maxChunk, len(items))
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		*peak = max(*peak, ms.HeapInuse)
		out := make([]vendors.PushResult, len(items))
		for i, in := range items {
			out[i] = vendors.PushResult{ExternalID: in.ExternalID, Result: vendors.ResultCreated}
			if fe := vendors.ValidateInvoice(in); len(fe) > 0 {
				out[i].Result, out[i].Errors = vendors.ResultError, fe
			}
		}
		return out, nil
	}
}

// TestRunStreams100kRows: 100,000 rows pass in chunks of ChunkRows and the
// heap stays small whatever the file's length (a file of 100,000 rows is
// about 9 MB; held whole as parsed rows it would be several times that).
func TestRunStreams100kRows(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 rows")
	}
	r, err := NewReader(gen(100_000))
	if err != nil {
		t.Fatal(err)
	}
	var maxChunk int
	var peak uint64
	var report bytes.Buffer
	c, err := Run(context.Background(), r, Guess(r.Header()), validatingPusher(&maxChunk, &peak), &report)
	if err != nil {
		t.Fatal(err)
	}
	if c.Rows != 100_000 || c.Created != 99_900 || c.Errors != 100 {
		t.Errorf("counts = %+v", c)
	}
	if maxChunk != ChunkRows {
		t.Errorf("largest chunk %d rows, want %d", maxChunk, ChunkRows)
	}
	lines := strings.Split(strings.TrimSpace(report.String()), "\n")
	if len(lines) != 101 || !strings.HasPrefix(lines[1], "1001,INV-000999,due_date,") {
		t.Errorf("report: %d lines, second %q", len(lines), lines[1])
	}
	t.Logf("peak heap in use %.1f MB", float64(peak)/(1<<20))
	if peak > 48<<20 {
		t.Errorf("peak heap in use %.1f MB: rows are being held", float64(peak)/(1<<20))
	}
}

func TestReportNeutralisesFormulas(t *testing.T) {
	r, _ := NewReader(strings.NewReader("external_id,number\n\"=HYPERLINK(\"\"x\"\")\",1\n"))
	var report bytes.Buffer
	var mc int
	var pk uint64
	Run(context.Background(), r, Mapping{"external_id": "external_id", "number": "number"}, validatingPusher(&mc, &pk), &report)
	if strings.Contains(report.String(), "\n1,=") || !strings.Contains(report.String(), "'=HYPERLINK") {
		t.Errorf("report = %q", report.String())
	}
}

// FuzzReader: whatever the bytes, reading, previewing and running never
// panic, every row is counted once, and the report is valid CSV.
func FuzzReader(f *testing.F) {
	f.Add([]byte(sample))
	f.Add([]byte("a,b\n\"unterminated,1\n"))
	f.Add([]byte("external_id;amount_due;currency\nx;1,5;USD\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		m := Guess(r.Header())
		m.Check(r.Header())
		var mc int
		var pk uint64
		var report bytes.Buffer
		c, err := Run(context.Background(), r, m, validatingPusher(&mc, &pk), &report)
		if err != nil {
			return
		}
		if c.Created+c.Updated+c.Unchanged+c.Errors != c.Rows {
			t.Fatalf("counts do not add up: %+v", c)
		}
		recs, err := csv.NewReader(&report).ReadAll()
		if err != nil || len(recs) == 0 {
			t.Fatalf("report is not CSV: %v", err)
		}
		r2, _ := NewReader(bytes.NewReader(data))
		if _, err := Preview(r2, m, 3); err != nil && err != io.EOF {
			_ = err
		}
	})
}
