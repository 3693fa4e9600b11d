package imports

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"encoding/csv"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// excelizeBook writes a workbook with excelize, a real spreadsheet writer:
// text in shared strings, amounts as float cells, dates as styled serial
// numbers in the workbook's date system.
func excelizeBook(t testing.TB, date1904 bool) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if date1904 {
		if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &date1904}); err != nil {
			t.Fatal(err)
		}
	}
	custom := "dd/mm/yyyy"
	dmy, err := f.NewStyle(&excelize.Style{CustomNumFmt: &custom})
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]any{
		{"Invoice ID", "Number", "Account", "Email", "Currency", "Total", "Balance", "Issued", "Due"},
		{"INV-1", 1001, "C-1", "ap@acme.example", "USD", 1250.5, 0.1 + 0.2, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), "2026-12-01"},
		{"INV-2", 1002, "C-1", "ap@acme.example", "JPY", 1250.5, 99.99, "2026-11-02", nil},
		{"INV-3", 1003, 42, "ap@globex.example", "KWD", 1.234, 1.234, "2026-11-03", nil},
	}
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	// INV-2's due date: a serial number styled dd/mm/yyyy; INV-3's: a bare
	// serial number in the date column, no style.
	serial := 46357.0 // 2026-12-01 in the 1900 system
	if date1904 {
		serial -= 1462
	}
	f.SetCellValue("Sheet1", "I3", serial)
	f.SetCellStyle("Sheet1", "I3", "I3", dmy)
	f.SetCellValue("Sheet1", "I4", serial+14)
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var bookMapping = Mapping{"external_id": "Invoice ID", "number": "Number", "customer_id": "Account", "customer_email": "Email",
	"currency": "Currency", "amount_due": "Total", "amount_remaining": "Balance", "issue_date": "Issued", "due_date": "Due"}

// TestXLSXReadsAWorkbook: a workbook from excelize reads like the same CSV:
// shared strings, dates in both date systems, float cells to exact minor
// units (0.1+0.2 is 0.30, not 0.30000000000000004), a number customer id.
func TestXLSXReadsAWorkbook(t *testing.T) {
	for _, date1904 := range []bool{false, true} {
		r, err := Open(bytes.NewReader(excelizeBook(t, date1904)))
		if err != nil {
			t.Fatal(err)
		}
		if h := r.Header(); len(h) != 9 || h[0] != "Invoice ID" || h[8] != "Due" {
			t.Fatalf("header = %q", h)
		}
		if p := bookMapping.Check(r.Header()); len(p) != 0 {
			t.Fatalf("mapping: %v", p)
		}
		rows, err := Preview(r, bookMapping, 10)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 {
			t.Fatalf("1904=%v: %d rows", date1904, len(rows))
		}
		in := rows[0].Input
		if len(rows[0].Errors) != 0 || *in.AmountDue != 125050 || *in.AmountRemaining != 30 || in.IssueDate != "2026-11-01" ||
			in.DueDate != "2026-12-01" || in.Number != "1001" || rows[0].Line != 2 {
			t.Errorf("1904=%v row 1: %+v %v", date1904, in, rows[0].Errors)
		}
		if e := rows[1].Errors; len(e) == 0 || e[0].Field != "amount_due" || rows[1].Input.DueDate != "2026-12-01" {
			t.Errorf("1904=%v row 2 (JPY 1250.5; due dd/mm/yyyy): %+v %v", date1904, rows[1].Input, e)
		}
		in = rows[2].Input
		if len(rows[2].Errors) != 0 || *in.AmountDue != 1234 || in.Customer.ExternalID != "42" || in.DueDate != "2026-12-15" {
			t.Errorf("1904=%v row 3: %+v %v", date1904, in, rows[2].Errors)
		}
	}
}

func TestSerialDatesAndNumbers(t *testing.T) {
	for _, c := range []struct {
		v     string
		d1904 bool
		want  string
	}{{"1", false, "1900-01-01"}, {"59", false, "1900-02-28"}, {"61", false, "1900-03-01"}, {"46357.75", false, "2026-12-01"},
		{"0", true, "1904-01-01"}, {"44895", true, "2026-12-01"}, {"60", false, ""}, {"-1", false, ""}, {"x", false, ""}} {
		if got, _ := serialDate(c.v, c.d1904); got != c.want {
			t.Errorf("serialDate(%s, %v) = %q, want %q", c.v, c.d1904, got, c.want)
		}
	}
	for v, want := range map[string]string{"1250.5": "1250.5", "0.30000000000000004": "0.3", "99.990000000000009": "99.99",
		"1.25E+3": "1250", "1E-2": "0.01", "007": "007", "12345678901234567": "12345678901234600"} {
		if got := plainNumber(v); got != want {
			t.Errorf("plainNumber(%s) = %s, want %s", v, got, want)
		}
	}
}

// TestOpenTellsFormatsByContent: the format is the content's, whatever the
// name: a zip without a workbook, an old .xls and a broken zip are refused
// with a message; text is CSV.
func TestOpenTellsFormatsByContent(t *testing.T) {
	var z bytes.Buffer
	zw := zip.NewWriter(&z)
	w, _ := zw.Create("word/document.xml")
	w.Write([]byte("<w/>"))
	zw.Close()
	for name, data := range map[string][]byte{
		"not an Excel workbook": z.Bytes(),
		"old Excel .xls":        append([]byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), make([]byte, 100)...),
		"not a valid XLSX":      []byte("PK\x03\x04 truncated"),
	} {
		_, err := Open(bytes.NewReader(data))
		var fe *FileError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
	}
	r, err := Open(strings.NewReader(sample))
	if err != nil || len(r.Header()) != 8 || r.xlsx {
		t.Errorf("CSV: %v %v", r, err)
	}
}

// bombZip is a workbook whose sheet part is given raw: body compressed,
// with the uncompressed size it declares.
func bombZip(t *testing.T, sheet []byte, declared uint64) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.Create("xl/workbook.xml")
	w.Write([]byte(`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>`))
	var comp bytes.Buffer
	cw, err := flate.NewWriter(&comp, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	cw.Write(sheet)
	cw.Close()
	rw, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate,
		CRC32: crc32.ChecksumIEEE(sheet), CompressedSize64: uint64(comp.Len()), UncompressedSize64: declared})
	if err != nil {
		t.Fatal(err)
	}
	rw.Write(comp.Bytes())
	zw.Close()
	return b.Bytes()
}

// TestXLSXRefusesBombs: a part declaring more than the limit unpacked, a
// part unpacking to more than it declares, and a row of one giant cell
// (5 MB of text that compresses to a few KB) are refused as file errors,
// never read into memory.
func TestXLSXRefusesBombs(t *testing.T) {
	head := `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c t="inlineStr"><is><t>external_id</t></is></c></row>`
	giant := []byte(head + `<row r="2"><c t="inlineStr"><is><t>` + strings.Repeat("a", 5<<20) + `</t></is></c></row></sheetData></worksheet>`)
	small := []byte(head + `</sheetData></worksheet>`)
	for name, data := range map[string][]byte{
		"larger than":          bombZip(t, small, maxSheetBytes+1),
		"cannot be read":       bombZip(t, giant, 100),
		"row larger than 4 MB": bombZip(t, giant, uint64(len(giant))),
	} {
		r, err := Open(bytes.NewReader(data))
		if err == nil {
			_, err = Run(context.Background(), r, Mapping{"external_id": "external_id"}, validatingPusher(new(int), new(uint64)), io.Discard)
			r.Close()
		}
		var fe *FileError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestXLSXStreams100kRows: the same 100,000 rows as the CSV test, from a
// workbook with every string shared, in chunks of ChunkRows, with a heap
// that stays small.
func TestXLSXStreams100kRows(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 rows")
	}
	r, err := Open(genXLSX(100_000))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var maxChunk int
	var peak uint64
	var report bytes.Buffer
	c, err := Run(context.Background(), r, Guess(r.Header()), validatingPusher(&maxChunk, &peak), &report)
	if err != nil {
		t.Fatal(err)
	}
	if c.Rows != 100_000 || c.Created != 99_900 || c.Errors != 100 || maxChunk != ChunkRows {
		t.Errorf("counts = %+v, largest chunk %d", c, maxChunk)
	}
	if lines := strings.Split(strings.TrimSpace(report.String()), "\n"); len(lines) != 101 || !strings.HasPrefix(lines[1], "1001,INV-000999,due_date,") {
		t.Errorf("report: %d lines, second %q", len(lines), lines[1])
	}
	t.Logf("peak heap in use %.1f MB", float64(peak)/(1<<20))
	if peak > 48<<20 {
		t.Errorf("peak heap in use %.1f MB: rows or strings are being held", float64(peak)/(1<<20))
	}
}

// BenchmarkXLSXImport100k: rows/s, CPU seconds and peak heap opening,
// reading and checking a 100,000-row workbook, generated to a temporary
// file first (go test -run '^$' -bench XLSXImport100k -benchtime 1x ./imports).
func BenchmarkXLSXImport100k(b *testing.B) {
	f, err := os.CreateTemp(b.TempDir(), "bench-*.xlsx")
	if err != nil {
		b.Fatal(err)
	}
	if err := writeXLSX(f, 100_000); err != nil {
		b.Fatal(err)
	}
	size, _ := f.Seek(0, io.SeekCurrent)
	b.ReportMetric(float64(size)/(1<<20), "file-MB")
	for i := 0; i < b.N; i++ {
		f.Seek(0, io.SeekStart)
		runtime.GC()
		var maxChunk int
		var peak uint64
		cpu0, start := cpuTime(), time.Now()
		r, err := Open(f)
		if err != nil {
			b.Fatal(err)
		}
		c, err := Run(context.Background(), r, Guess(r.Header()), validatingPusher(&maxChunk, &peak), io.Discard)
		r.Close()
		if err != nil || c.Rows != 100_000 {
			b.Fatal(c, err)
		}
		b.ReportMetric(float64(c.Rows)/time.Since(start).Seconds(), "rows/s")
		b.ReportMetric((cpuTime() - cpu0).Seconds(), "cpu-s")
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// FuzzXLSX: whatever a workbook's bytes, opening and importing it never
// panics, every row is counted once and the report is valid CSV. Run it
// with -fuzzminimizetime 2s: minimising each new zip archive for Go's
// default 60 s takes nearly all of a run (README, Fuzzing).
func FuzzXLSX(f *testing.F) {
	var b bytes.Buffer
	if err := writeXLSX(&b, 3); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add(excelizeBook(f, true))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Open(bytes.NewReader(data))
		if err != nil {
			return
		}
		defer r.Close()
		m := Guess(r.Header())
		var report bytes.Buffer
		c, err := Run(context.Background(), r, m, validatingPusher(new(int), new(uint64)), &report)
		if err != nil {
			return
		}
		if c.Created+c.Updated+c.Unchanged+c.Errors != c.Rows {
			t.Fatalf("counts do not add up: %+v", c)
		}
		if _, err := csv.NewReader(&report).ReadAll(); err != nil {
			t.Fatalf("report is not CSV: %v", err)
		}
	})
}
