package handlers

import (
	"archive/zip"
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/imports"
	"github.com/duehub/duehub/vendors"
)

// importHub is a hub with imports and a signed-in admin of Northwind whose
// mapping for exportCSV's columns is saved.
func importHub(t *testing.T, db *database.DB) (*portalHub, int64, *browser) {
	h := newPortalHub(t, db, func(c *Config) { c.Imports = imports.NewStore(db.Gorm, time.Now) })
	north := h.vendor("Northwind Supplies")
	h.member(north, "ada@northwind.example", vendors.RoleAdmin)
	admin := h.vendorSignIn("ada@northwind.example")
	form := url.Values{"header": {"Invoice ID", "Invoice No", "Account", "Customer", "Email", "Currency", "Total", "Due"}}
	for f, col := range map[string]string{"external_id": "Invoice ID", "number": "Invoice No", "customer_id": "Account",
		"customer_name": "Customer", "customer_email": "Email", "currency": "Currency", "amount_due": "Total", "due_date": "Due"} {
		form.Set("map_"+f, col)
	}
	if r := admin.post("/vendor/import/mapping", form, "/vendor/import"); r.status != http.StatusSeeOther {
		t.Fatalf("save mapping: %d %s", r.status, r.body)
	}
	return h, north, admin
}

// exportXLSX is exportCSV as Excel writes it: shared strings, the total a
// float cell, the due date a styled serial number.
func exportXLSX(t *testing.T) string {
	f := excelize.NewFile()
	defer f.Close()
	rows := [][]any{{"Invoice ID", "Invoice No", "Account", "Customer", "Email", "Currency", "Total", "Due"},
		{"INV-1", 1001, "C-1", "Acme Corp", "ap@acme.example", "USD", 1250.0, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
		{"INV-2", 1002, "C-1", "Acme Corp", "ap@acme.example", "USD", 99.5, "not a date"},
		{"INV-3", 1003, "C-2", "Globex", "ap@globex.example", "EUR", 0.1 + 0.2, time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC)}}
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestVendorImportsXLSX (issue 15): an Excel workbook goes through the same
// preview, mapping, push and error report as a CSV, recognised by its
// content whatever its name; a zip that is not a workbook is refused.
func TestVendorImportsXLSX(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h, north, admin := importHub(t, db)
		book := exportXLSX(t)
		p := admin.upload("/vendor/import/preview", "export (1).dat", book)
		if p.status != http.StatusOK {
			t.Fatalf("preview: %d %s", p.status, p.body)
		}
		mustContain(t, "the preview", p.body, `<option value="Total" selected>`, "INV-2", "must be a date")
		r := admin.upload("/vendor/import/run", "export.xlsx", book)
		if r.status != http.StatusSeeOther {
			t.Fatalf("import: %d %s", r.status, r.body)
		}
		mustContain(t, "the run page", admin.get(r.location).body, `id="created">2<`, `id="errors">1<`)
		if rep := admin.get(r.location + "/errors.csv"); !strings.Contains(rep.body, "3,INV-2,due_date,") {
			t.Errorf("error report: %q", rep.body)
		}
		for ext, want := range map[string]struct {
			amount int64
			due    string
		}{"INV-1": {125000, "2026-12-01"}, "INV-3": {30, "2026-12-15"}} {
			inv, err := h.vendors.GetInvoice(t.Context(), north, ext)
			if err != nil || inv.AmountDue != want.amount || inv.DueDate.String() != want.due {
				t.Errorf("%s = %d %v %v, want %+v", ext, inv.AmountDue, inv.DueDate, err, want)
			}
		}
		var z bytes.Buffer
		zw := zip.NewWriter(&z)
		w, _ := zw.Create("word/document.xml")
		w.Write([]byte("<w/>"))
		zw.Close()
		if bad := admin.upload("/vendor/import/preview", "export.xlsx", z.String()); bad.status != http.StatusUnprocessableEntity ||
			!strings.Contains(bad.body, "not an Excel workbook") {
			t.Errorf("a zip that is not a workbook: %d", bad.status)
		}
	})
}

// TestVendorImportsIntoTestMode (issue 15): an admin rehearses an import in
// test mode: the rows land in the sandbox (where dh_test_ keys write), the
// run is labelled, the live invoices are untouched, and the payer's real
// digest carries the live invoice of the same address but never the
// sandbox-imported one.
func TestVendorImportsIntoTestMode(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h, north, admin := importHub(t, db)
		h.invoice(north, "LIVE-1", "ap@acme.example", 4200, "2026-11-30")
		csv := "Invoice ID,Invoice No,Account,Customer,Email,Currency,Total,Due\n" +
			"REHEARSAL-1,9001,C-1,Acme Corp,ap@acme.example,USD,\"7,777.00\",2026-11-30\n"
		p := admin.uploadAs("/vendor/import/preview", "export.csv", csv, "test")
		mustContain(t, "the preview in test mode", p.body, `id="mode-test" name="mode" value="test" checked`)
		r := admin.uploadAs("/vendor/import/run", "export.csv", csv, "test")
		if r.status != http.StatusSeeOther {
			t.Fatalf("test-mode import: %d %s", r.status, r.body)
		}
		mustContain(t, "the run page", admin.get(r.location).body, "Test-mode import of export.csv", `id="test-mode"`, `id="created">1<`)
		mustContain(t, "the recent imports", admin.get("/vendor/import").body, `<span class="tag">test mode</span>`)
		sandbox, err := h.vendors.SandboxOf(t.Context(), north)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.vendors.GetInvoice(t.Context(), sandbox.ID, "REHEARSAL-1"); err != nil {
			t.Errorf("the sandbox does not hold the rehearsal: %v", err)
		}
		if n := h.count("invoices", "vendor_id = ? AND external_id = ?", north, "REHEARSAL-1"); n != 0 {
			t.Errorf("the test-mode import wrote %d live invoices", n)
		}
		mustContain(t, "the test digests page", admin.get("/vendor/sandbox").body, "9001", "USD 7,777.00")

		h.now = h.now.Add(24 * time.Hour) // Tuesday: the default digest day
		h.runDigests()
		got := h.messagesTo("ap@acme.example")
		if len(got) != 1 {
			t.Fatalf("%d digests to ap@acme.example, want 1", len(got))
		}
		mustContain(t, "the payer's digest", got[0].Text, "LIVE-1")
		mustNotContain(t, "the payer's digest", got[0].Text+got[0].HTML, "REHEARSAL-1", "9001", "7,777.00")
		mustNotContain(t, "the payer's portal", h.signIn("ap@acme.example").get("/portal").body, "REHEARSAL-1")

		// The same file imported live reaches the payer.
		admin = h.vendorSignIn("ada@northwind.example") // a day later: a new session
		if r := admin.uploadAs("/vendor/import/run", "export.csv", csv, "live"); r.status != http.StatusSeeOther {
			t.Fatalf("live import: %d", r.status)
		}
		if _, err := h.vendors.GetInvoice(t.Context(), north, "REHEARSAL-1"); err != nil {
			t.Errorf("the live import: %v", err)
		}
	})
}

// TestImportUploadCSRF (issue 15): the upload form's CSRF token travels in
// the multipart body, before the file, and never in a URL (where access
// logs and Referer headers would keep it); a multipart POST without it
// first, cross-site or with the token in the query string, is refused and
// stores nothing.
func TestImportUploadCSRF(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h, north, admin := importHub(t, db)
		page := admin.get("/vendor/import")
		csrf := csrfOf(t, page.body)
		if regexp.MustCompile(`(?i)(href|action|formaction|src)="[^"]*csrf`).MatchString(page.body) || strings.Contains(page.body, "?csrf=") {
			t.Errorf("the import page puts the CSRF token in a URL")
		}
		post := func(name string, fields [][2]string, fileFirst bool, query string, hdr map[string]string) {
			var body bytes.Buffer
			w := multipart.NewWriter(&body)
			file := func() { fw, _ := w.CreateFormFile("file", "x.csv"); io.WriteString(fw, exportCSV) }
			if fileFirst {
				file()
			}
			for _, f := range fields {
				w.WriteField(f[0], f[1])
			}
			if !fileFirst {
				file()
			}
			w.Close()
			req, _ := http.NewRequest("POST", h.srv.URL+"/vendor/import/run"+query, &body)
			req.Header.Set("Content-Type", w.FormDataContentType())
			for k, v := range hdr {
				req.Header.Set(k, v)
			}
			resp, err := admin.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s: %d, want 403", name, resp.StatusCode)
			}
			if loc := resp.Header.Get("Location"); strings.Contains(loc, "csrf") {
				t.Errorf("%s: redirected to %s", name, loc)
			}
		}
		crossSite := map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}
		post("a cross-site upload without the token", nil, false, "", crossSite)
		post("an upload without the token", nil, false, "", nil)
		post("the token in the query string only", nil, false, "?csrf="+url.QueryEscape(csrf), nil)
		post("a wrong token", [][2]string{{"csrf", csrf + "x"}}, false, "", nil)
		post("the file before the token", [][2]string{{"csrf", csrf}}, true, "", nil)
		post("an oversized token field", [][2]string{{"csrf", csrf + strings.Repeat(" ", 2000)}}, false, "", nil)
		if n := h.count("invoices", "vendor_id = ?", north); n != 0 {
			t.Errorf("refused uploads stored %d invoices", n)
		}
		// The form as a browser sends it (token first) is accepted, and
		// the run page it lands on carries no token in its URL.
		r := admin.upload("/vendor/import/run", "x.csv", exportCSV)
		if r.status != http.StatusSeeOther || strings.Contains(r.location, "csrf") {
			t.Errorf("the form's upload: %d %s", r.status, r.location)
		}
	})
}
