package handlers

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/imports"
	"github.com/duehub/duehub/vendors"
)

// upload posts a file as the import form does, CSRF token the first field
// of the body.
func (b *browser) upload(path, filename, content string) webPage {
	return b.uploadAs(path, filename, content, "live")
}

// uploadAs posts a file with the form's "Import into" choice (live, test).
func (b *browser) uploadAs(path, filename, content, mode string) webPage {
	b.h.t.Helper()
	csrf := csrfOf(b.h.t, b.get("/vendor/import").body)
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("csrf", csrf)
	w.WriteField("mode", mode)
	fw, _ := w.CreateFormFile("file", filename)
	fw.Write([]byte(content))
	w.Close()
	resp, err := b.client.Post(b.h.srv.URL+path, w.FormDataContentType(), &body)
	if err != nil {
		b.h.t.Fatal(err)
	}
	return readWebPage(b.h.t, resp)
}

const exportCSV = "Invoice ID,Invoice No,Account,Customer,Email,Currency,Total,Due\n" +
	"INV-1,1001,C-1,Acme Corp,ap@acme.example,USD,\"1,250.00\",2026-12-01\n" +
	"INV-2,1002,C-1,Acme Corp,ap@acme.example,USD,99.5,not a date\n" +
	"INV-3,1003,C-2,Globex,ap@globex.example,EUR,10,2026-12-15\n"

// TestVendorImportsCSV (issue 15): preview shows the guessed mapping and the
// bad row; the saved mapping then imports the file through the push path
// (created, error with its report); importing again is unchanged; the run
// and its report belong to the vendor alone.
func TestVendorImportsCSV(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db, func(c *Config) { c.Imports = imports.NewStore(db.Gorm, time.Now) })
		north := h.vendor("Northwind Supplies")
		h.member(north, "ada@northwind.example", vendors.RoleAdmin)
		h.member(north, "bo@northwind.example", vendors.RoleAgent)
		other := h.vendor("Contoso Paper")
		h.member(other, "cy@contoso.example", vendors.RoleAdmin)
		admin := h.vendorSignIn("ada@northwind.example")

		home := admin.get("/vendor/import")
		mustNotContain(t, "the import page before a mapping", home.body, `id="import"`)
		if r := admin.upload("/vendor/import/run", "export.csv", exportCSV); r.status != http.StatusUnprocessableEntity {
			t.Errorf("import before a mapping: %d", r.status)
		}
		p := admin.upload("/vendor/import/preview", "export.csv", exportCSV)
		if p.status != http.StatusOK {
			t.Fatalf("preview: %d %s", p.status, p.body)
		}
		// Guessed: Invoice ID, Currency, Total, Due, Email, Customer; not
		// Invoice No or Account, which the vendor maps.
		mustContain(t, "the preview", p.body, `<option value="Total" selected>`, `<option value="Due" selected>`,
			`id="e-map-number"`, "INV-2", "must be a date")
		if n := h.count("invoices", "vendor_id = ?", north); n != 0 {
			t.Fatalf("preview stored %d invoices", n)
		}
		form := url.Values{"header": {"Invoice ID", "Invoice No", "Account", "Customer", "Email", "Currency", "Total", "Due"}}
		for f, col := range map[string]string{"external_id": "Invoice ID", "number": "Invoice No", "customer_id": "Account",
			"customer_name": "Customer", "customer_email": "Email", "currency": "Currency", "amount_due": "Total", "due_date": "Due"} {
			form.Set("map_"+f, col)
		}
		bad := url.Values{"header": form["header"], "map_external_id": {"Invoice ID"}}
		if r := admin.post("/vendor/import/mapping", bad, "/vendor/import"); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `id="e-map-due_date"`) {
			t.Errorf("incomplete mapping: %d", r.status)
		}
		if r := admin.post("/vendor/import/mapping", form, "/vendor/import"); r.status != http.StatusSeeOther {
			t.Fatalf("save mapping: %d %s", r.status, r.body)
		}

		r := admin.upload("/vendor/import/run", "export.csv", exportCSV)
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/vendor/import/runs/") {
			t.Fatalf("import: %d %s %s", r.status, r.location, r.body)
		}
		runURL := r.location
		run := admin.get(runURL)
		mustContain(t, "the run page", run.body, `id="created">2<`, `id="errors">1<`, `id="unchanged">0<`)
		rep := admin.get(runURL + "/errors.csv")
		if rep.status != http.StatusOK || !strings.Contains(rep.header.Get("Content-Disposition"), "attachment") ||
			!strings.Contains(rep.body, "3,INV-2,due_date,") {
			t.Errorf("error report: %d %q", rep.status, rep.body)
		}
		inv, err := h.vendors.GetInvoice(t.Context(), north, "INV-1")
		if err != nil || inv.AmountDue != 125000 || inv.Currency != "USD" {
			t.Errorf("INV-1 = %+v %v", inv, err)
		}
		if pid := h.payerID("ap@acme.example"); pid == 0 {
			t.Error("the import did not link the payer")
		}
		again := admin.upload("/vendor/import/run", "export.csv", exportCSV)
		mustContain(t, "the second import", admin.get(again.location).body, `id="unchanged">2<`, `id="created">0<`)

		// Tenancy and roles.
		stranger := h.vendorSignIn("cy@contoso.example")
		if g := stranger.get(runURL); g.status != http.StatusNotFound {
			t.Errorf("another vendor opens our run: %d", g.status)
		}
		if g := stranger.get(runURL + "/errors.csv"); g.status != http.StatusNotFound || strings.Contains(g.body, "INV-2") {
			t.Errorf("another vendor downloads our report: %d", g.status)
		}
		mustNotContain(t, "another vendor's import page", stranger.get("/vendor/import").body, "export.csv", `id="import"`)
		if g := h.vendorSignIn("bo@northwind.example").get("/vendor/import"); g.status != http.StatusForbidden {
			t.Errorf("agent: %d", g.status)
		}
		// A cross-site upload without the token is refused before reading.
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		fw, _ := w.CreateFormFile("file", "x.csv")
		fw.Write([]byte(exportCSV))
		w.Close()
		resp, err := admin.client.Post(h.srv.URL+"/vendor/import/run", w.FormDataContentType(), &body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("upload without CSRF token: %d", resp.StatusCode)
		}
		resp.Body.Close()
	})
}
