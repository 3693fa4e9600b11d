package handlers

import (
	"embed"
	"github.com/gin-gonic/gin"
	"html/template"
	"io/fs"
	"path"
	"strings"

	"github.com/duehub/duehub/vendors"
)

// pageFuncs word vendor text the same way on every page (issue 13):
// {{invoiceTitle .Number}} "Invoice 1001" or "INV-1001", never "Invoice
// INV-1001"; {{invoiceName .Number}} the same inside a sentence;
// {{possessive .Name}} "Acme's", "Northwind Traders'".
var pageFuncs = template.FuncMap{
	"invoiceTitle": vendors.InvoiceTitle,
	"invoiceName":  vendors.InvoiceName,
	"possessive":   vendors.Possessive,
}

// pageSet parses the server-rendered pages under dir: one template set per
// page, made of dir/layout.html plus the page's own file, which defines the
// blocks the layout calls. Pages are found by file name, without ".html".
func pageSet(fsys embed.FS, dir string) map[string]*template.Template {
	layout := template.Must(template.New("layout").Funcs(pageFuncs).ParseFS(fsys, dir+"/layout.html"))
	files, err := fs.Glob(fsys, dir+"/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" {
			continue
		}
		pages[name] = template.Must(template.Must(layout.Clone()).ParseFS(fsys, f))
	}
	return pages
}

// pageCSP allows nothing from anywhere else: no scripts at all, styles only
// inline from our own pages.
const pageCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'"

// renderPage writes one page of a set with the headers every server-rendered
// page carries (no third-party origins, no referrer to other sites, never
// cached). same-origin rather than no-referrer: with no-referrer browsers
// send "Origin: null" on the hub's own forms, which sameOrigin refuses.
func (s *Server) renderPage(c *gin.Context, status int, t *template.Template, name string, data any) {
	c.Header("Content-Security-Policy", pageCSP)
	c.Header("Referrer-Policy", "same-origin")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Status(status)
	if err := t.ExecuteTemplate(c.Writer, "layout", data); err != nil {
		s.log.Error("render page", "page", name, "err", err)
	}
}
