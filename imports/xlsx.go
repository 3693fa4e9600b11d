package imports

import (
	"archive/zip"
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
)

// An XLSX workbook is a zip of XML parts. Rows are read from the first
// worksheet as a stream; the shared strings they point to are spooled to a
// temporary file with only their offsets in memory, so neither the rows nor
// the strings of a large export are held. Limits on the parts' uncompressed
// sizes, and on the bytes of one row, keep a zip bomb or a single giant cell
// from exhausting memory or disk.

// Limits on what an XLSX upload may unpack to.
const (
	maxSheetBytes   = 1 << 30   // the worksheet, streamed: bounds the time spent
	maxStringsBytes = 256 << 20 // the shared strings, spooled to disk
	maxPartBytes    = 16 << 20  // workbook, relationships, styles: read whole
	maxRowBytes     = 4 << 20   // one row, or one shared string, as XML
	maxColumns      = 16384     // Excel's last column, XFD
)

// FileError is a file the reader cannot read at all (a broken workbook),
// as opposed to a row with errors: the uploader's problem, not the hub's.
type FileError struct{ Msg string }

func (e *FileError) Error() string { return e.Msg }

func fileErr(format string, a ...any) error { return &FileError{Msg: fmt.Sprintf(format, a...)} }

type xlsxSource struct {
	spool    *os.File // the upload, for random access by archive/zip
	strings  *os.File // the shared strings, one after another
	offsets  []int64  // where each shared string starts; one more at the end
	dates    map[int]bool
	date1904 bool
	sheet    io.ReadCloser
	budget   *budgetReader
	dec      *xml.Decoder
	row      int
	cells    []string
	cache    [1024]cachedString
}

// openXLSX reads a workbook from a spooled upload of size bytes.
func openXLSX(spool *os.File, size int64) (*xlsxSource, error) {
	zr, err := zip.NewReader(spool, size)
	if err != nil {
		return nil, fileErr("is not a valid XLSX workbook (%v)", err)
	}
	parts := map[string]*zip.File{}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		parts[strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(f.Name, `\`, "/"), "/"))] = f
	}
	if parts["xl/workbook.xml"] == nil {
		return nil, fileErr("is a zip file but not an Excel workbook (.xlsx)")
	}
	if total > maxSheetBytes+maxStringsBytes+4*maxPartBytes {
		return nil, fileErr("unpacks to more than %d MB", (maxSheetBytes+maxStringsBytes)>>20)
	}
	x := &xlsxSource{spool: spool, dates: map[int]bool{}}
	sheetPath, err := x.readWorkbook(parts)
	if err != nil {
		return nil, err
	}
	if err := x.readStyles(parts["xl/styles.xml"]); err != nil {
		return nil, err
	}
	if err := x.spoolStrings(parts["xl/sharedstrings.xml"]); err != nil {
		x.close()
		return nil, err
	}
	sheet := parts[strings.ToLower(sheetPath)]
	if sheet == nil {
		x.close()
		return nil, fileErr("has no worksheet")
	}
	if x.sheet, err = openPart(sheet, maxSheetBytes); err != nil {
		x.close()
		return nil, err
	}
	x.budget = &budgetReader{r: x.sheet, limit: maxRowBytes}
	x.budget.reset()
	x.dec = xml.NewDecoder(x.budget)
	return x, nil
}

func openPart(f *zip.File, limit uint64) (io.ReadCloser, error) {
	if f.UncompressedSize64 > limit {
		return nil, fileErr("has a part (%s) larger than %d MB unpacked", f.Name, limit>>20)
	}
	rc, err := f.Open() // archive/zip refuses data beyond the declared size
	if err != nil {
		return nil, fileErr("has a part (%s) that cannot be read: %v", f.Name, err)
	}
	return rc, nil
}

// decodePart unmarshals a small part whole.
func decodePart(f *zip.File, v any) error {
	rc, err := openPart(f, maxPartBytes)
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := xml.NewDecoder(rc).Decode(v); err != nil {
		return fileErr("has a part (%s) that is not valid XML: %v", f.Name, err)
	}
	return nil
}

// readWorkbook finds the first sheet's part and the date system.
func (x *xlsxSource) readWorkbook(parts map[string]*zip.File) (string, error) {
	var wb struct {
		Pr struct {
			Date1904 string `xml:"date1904,attr"`
		} `xml:"workbookPr"`
		Sheets []struct {
			RID string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := decodePart(parts["xl/workbook.xml"], &wb); err != nil {
		return "", err
	}
	x.date1904 = wb.Pr.Date1904 == "1" || wb.Pr.Date1904 == "true"
	sheetPath := "xl/worksheets/sheet1.xml"
	if rels := parts["xl/_rels/workbook.xml.rels"]; rels != nil && len(wb.Sheets) > 0 {
		var rs struct {
			Rel []struct {
				ID     string `xml:"Id,attr"`
				Target string `xml:"Target,attr"`
			} `xml:"Relationship"`
		}
		if err := decodePart(rels, &rs); err != nil {
			return "", err
		}
		for _, r := range rs.Rel {
			if r.ID == wb.Sheets[0].RID {
				if strings.HasPrefix(r.Target, "/") {
					sheetPath = strings.TrimPrefix(r.Target, "/")
				} else {
					sheetPath = path.Join("xl", r.Target)
				}
			}
		}
	}
	return sheetPath, nil
}

// readStyles learns which cell styles show a number as a date: Excel stores
// a date as the number of days since 1900 (or 1904), and only the style says
// it is one.
func (x *xlsxSource) readStyles(f *zip.File) error {
	if f == nil {
		return nil
	}
	var st struct {
		NumFmts []struct {
			ID   int    `xml:"numFmtId,attr"`
			Code string `xml:"formatCode,attr"`
		} `xml:"numFmts>numFmt"`
		Xfs []struct {
			NumFmtID int `xml:"numFmtId,attr"`
		} `xml:"cellXfs>xf"`
	}
	if err := decodePart(f, &st); err != nil {
		return err
	}
	custom := map[int]bool{}
	for _, nf := range st.NumFmts {
		custom[nf.ID] = dateFormat(nf.Code)
	}
	for i, xf := range st.Xfs {
		id := xf.NumFmtID
		isDate, ok := custom[id]
		if !ok {
			isDate = id >= 14 && id <= 22 || id >= 27 && id <= 36 || id >= 45 && id <= 47 || id >= 50 && id <= 58
		}
		if isDate {
			x.dates[i] = true
		}
	}
	return nil
}

// dateFormat reports whether a custom number format shows a date: it has a
// day, month or year outside quoted text, brackets and escapes.
func dateFormat(code string) bool {
	inQuote, inBracket := false, false
	for i := 0; i < len(code); i++ {
		ch := code[i]
		switch {
		case inQuote:
			inQuote = ch != '"'
		case inBracket:
			inBracket = ch != ']'
		case ch == '"':
			inQuote = true
		case ch == '[':
			inBracket = true
		case ch == '\\' || ch == '_' || ch == '*':
			i++
		case strings.IndexByte("dDmMyY", ch) >= 0:
			return true
		}
	}
	return false
}

// spoolStrings writes the shared strings to a temporary file.
func (x *xlsxSource) spoolStrings(f *zip.File) error {
	if f == nil {
		return nil
	}
	rc, err := openPart(f, maxStringsBytes)
	if err != nil {
		return err
	}
	defer rc.Close()
	if x.strings, err = os.CreateTemp("", "duehub-import-strings-*"); err != nil {
		return fmt.Errorf("imports: spool strings: %w", err)
	}
	os.Remove(x.strings.Name()) // unlinked: gone when closed, whatever happens
	budget := &budgetReader{r: rc, limit: maxRowBytes}
	dec := xml.NewDecoder(budget)
	w := bufio.NewWriterSize(x.strings, 64<<10)
	var off int64
	for {
		budget.reset()
		tok, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fileErr("has shared strings that cannot be read: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "si" {
			s, err := richText(dec, se)
			if err != nil {
				return fileErr("has shared strings that cannot be read: %v", err)
			}
			x.offsets = append(x.offsets, off)
			n, err := w.WriteString(s)
			if err != nil {
				return fmt.Errorf("imports: spool strings: %w", err)
			}
			off += int64(n)
		}
	}
	x.offsets = append(x.offsets, off)
	if err := w.Flush(); err != nil {
		return fmt.Errorf("imports: spool strings: %w", err)
	}
	return nil
}

// sharedString is shared string i, or false when there is none.
func (x *xlsxSource) sharedString(i int) (string, bool) {
	if i < 0 || i+1 >= len(x.offsets) {
		return "", false
	}
	c := &x.cache[i%len(x.cache)]
	if c.ok && c.i == i {
		return c.s, true
	}
	b := make([]byte, x.offsets[i+1]-x.offsets[i])
	if _, err := x.strings.ReadAt(b, x.offsets[i]); err != nil && !errors.Is(err, io.EOF) {
		return "", false
	}
	*c = cachedString{i: i, s: string(b), ok: true}
	return c.s, true
}

// richText is the text of a string item (<si> or <is>) just started: its
// <t> runs, without phonetic guides (<rPh>).
func richText(dec *xml.Decoder, _ xml.StartElement) (string, error) { return itemText(dec, false) }

// itemText reads to the end of the element just started and returns its
// text: all of it, or only its <t> runs outside <rPh>.
func itemText(dec *xml.Decoder, all bool) (string, error) {
	var b strings.Builder
	depth, inT, inRPh := 0, 0, 0
	for {
		tok, err := dec.RawToken()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch t.Name.Local {
			case "t":
				inT++
			case "rPh":
				inRPh++
			}
		case xml.EndElement:
			if depth == 0 {
				return b.String(), nil
			}
			depth--
			switch t.Name.Local {
			case "t":
				inT--
			case "rPh":
				inRPh--
			}
		case xml.CharData:
			if all || inT > 0 && inRPh == 0 {
				b.Write(t)
			}
		}
	}
}

// elemText is all the text up to the end of the element just started.
func elemText(dec *xml.Decoder) (string, error) { return itemText(dec, true) }

// next reads the next <row> of the sheet.
func (x *xlsxSource) next() ([]string, int, error) {
	x.budget.reset()
	for {
		tok, err := x.dec.RawToken()
		if errors.Is(err, io.EOF) {
			return nil, 0, io.EOF
		}
		if err != nil {
			return nil, 0, x.readErr(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local == "row" {
				return x.readRow(t)
			}
		case xml.EndElement:
			if t.Name.Local == "sheetData" {
				return nil, 0, io.EOF
			}
		}
	}
}

func (x *xlsxSource) readErr(err error) error {
	if errors.Is(err, errRowTooLarge) {
		return fileErr("has a row larger than %d MB", maxRowBytes>>20)
	}
	return fileErr("has a worksheet that cannot be read after row %d: %v", x.row, err)
}

func (x *xlsxSource) readRow(start xml.StartElement) ([]string, int, error) {
	x.row++
	if n, err := strconv.Atoi(attr(start, "r")); err == nil && n > 0 {
		x.row = n
	}
	x.cells = x.cells[:0]
	for {
		tok, err := x.dec.RawToken()
		if err != nil {
			return nil, 0, x.readErr(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "c" {
				if _, err := elemText(x.dec); err != nil { // skipped
					return nil, 0, x.readErr(err)
				}
				continue
			}
			col := len(x.cells)
			if ref := attr(t, "r"); ref != "" {
				if col = column(ref); col < 0 {
					return nil, 0, x.readErr(fmt.Errorf("cell reference %q", ref))
				}
			}
			v, err := x.readCell(t)
			if err != nil {
				return nil, 0, x.readErr(err)
			}
			for len(x.cells) < col {
				x.cells = append(x.cells, "")
			}
			if col < len(x.cells) {
				x.cells[col] = v // a repeated reference: the last wins
			} else {
				x.cells = append(x.cells, v)
			}
		case xml.EndElement:
			return x.cells, x.row, nil
		}
	}
}

// readCell is a cell's value as text: a shared string looked up, a date
// number written YYYY-MM-DD, any other number as its exact decimal text.
func (x *xlsxSource) readCell(start xml.StartElement) (string, error) {
	typ, style := attr(start, "t"), attr(start, "s")
	var v, inline string
	for {
		tok, err := x.dec.RawToken()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "v":
				if v, err = elemText(x.dec); err != nil {
					return "", err
				}
			case "is":
				if inline, err = richText(x.dec, t); err != nil {
					return "", err
				}
			default:
				if _, err := elemText(x.dec); err != nil { // skipped
					return "", err
				}
			}
		case xml.CharData:
		case xml.EndElement:
			return x.value(typ, style, v, inline), nil
		}
	}
}

func (x *xlsxSource) value(typ, style, v, inline string) string {
	switch typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if s, ok := x.sharedString(i); err == nil && ok {
			return s
		}
		return ""
	case "inlineStr":
		return inline
	case "b":
		if strings.TrimSpace(v) == "1" {
			return "TRUE"
		}
		return "FALSE"
	case "str", "e", "d":
		return v
	}
	s, _ := strconv.Atoi(style)
	if x.dates[s] {
		if d, ok := serialDate(v, x.date1904); ok {
			return d
		}
	}
	return plainNumber(v)
}

func attr(se xml.StartElement, name string) string {
	for _, a := range se.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// column is the zero-based column of a cell reference like "AB12", or -1.
func column(ref string) int {
	col := 0
	i := 0
	for ; i < len(ref) && ref[i] >= 'A' && ref[i] <= 'Z'; i++ {
		col = col*26 + int(ref[i]-'A'+1)
		if col > maxColumns {
			return -1
		}
	}
	if i == 0 {
		return -1
	}
	return col - 1
}

func (x *xlsxSource) close() error {
	if x.sheet != nil {
		x.sheet.Close()
	}
	if x.strings != nil {
		x.strings.Close()
	}
	return x.spool.Close()
}

// cachedString is a shared string read before: currencies, customers and
// statuses repeat from row to row, and each miss is a read of the file.
type cachedString struct {
	i  int
	s  string
	ok bool
}

var errRowTooLarge = errors.New("row too large")

// budgetReader fails once more than limit bytes are read since reset: the
// XML decoder holds a whole element's text, so one giant cell would
// otherwise be read into memory.
type budgetReader struct {
	r           io.Reader
	left, limit int64
}

func (b *budgetReader) reset() { b.left = b.limit }

func (b *budgetReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errRowTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}
