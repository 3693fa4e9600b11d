package imports

import (
	"archive/zip"
	"bufio"
	"fmt"
	"io"
)

// genXLSX streams a workbook of n invoice rows as Excel writes one: text in
// shared strings, amounts as numbers, due dates as serial day numbers with
// a date style (every 1000th row has a text due date that is not a date).
func genXLSX(n int) io.Reader {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeXLSX(pw, n)) }()
	return pr
}

func writeXLSX(out io.Writer, n int) error {
	z := zip.NewWriter(out)
	put := func(name, body string) error {
		w, err := z.Create(name)
		if err == nil {
			_, err = io.WriteString(w, body)
		}
		return err
	}
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	for _, p := range [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`},
		{"xl/workbook.xml", `<?xml version="1.0"?><workbook ` + ns + ` xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Invoices" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`},
		{"xl/styles.xml", `<?xml version="1.0"?><styleSheet ` + ns + `><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>`},
	} {
		if err := put(p[0], p[1]); err != nil {
			return err
		}
	}
	// Shared strings: 0-6 the header, 7 "USD", 8 "someday", then each row's
	// invoice id, then 5000 customers' ids and emails.
	w, err := z.Create("xl/sharedStrings.xml")
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, `<?xml version="1.0"?><sst %s>`, ns)
	for _, s := range []string{"external_id", "number", "customer_id", "customer_email", "currency", "amount_due", "due_date", "USD", "someday"} {
		fmt.Fprintf(bw, "<si><t>%s</t></si>", s)
	}
	for i := 0; i < n; i++ {
		fmt.Fprintf(bw, "<si><t>INV-%06d</t></si>", i)
	}
	for c := 0; c < 5000; c++ {
		fmt.Fprintf(bw, "<si><t>C-%d</t></si><si><t>ap%d@payer.example</t></si>", c, c)
	}
	bw.WriteString("</sst>")
	if err := bw.Flush(); err != nil {
		return err
	}
	if w, err = z.Create("xl/worksheets/sheet1.xml"); err != nil {
		return err
	}
	bw = bufio.NewWriter(w)
	fmt.Fprintf(bw, `<?xml version="1.0"?><worksheet %s><sheetData><row r="1">`, ns)
	for i, col := range "ABCDEFG" {
		fmt.Fprintf(bw, `<c r="%c1" t="s"><v>%d</v></c>`, col, i)
	}
	bw.WriteString("</row>")
	for i := 0; i < n; i++ {
		r, c := i+2, i%5000
		due := `<c r="G%d" s="1"><v>46357</v></c>` // 2026-12-01
		if i%1000 == 999 {
			due = `<c r="G%d" t="s"><v>8</v></c>`
		}
		fmt.Fprintf(bw, `<row r="%d"><c r="A%d" t="s"><v>%d</v></c><c r="B%d"><v>%d</v></c><c r="C%d" t="s"><v>%d</v></c>`+
			`<c r="D%d" t="s"><v>%d</v></c><c r="E%d" t="s"><v>7</v></c><c r="F%d"><v>1250</v></c>`+due+`</row>`,
			r, r, 9+i, r, i, r, 9+n+2*c, r, 10+n+2*c, r, r, r)
	}
	bw.WriteString("</sheetData></worksheet>")
	if err := bw.Flush(); err != nil {
		return err
	}
	return z.Close()
}
