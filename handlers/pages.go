package handlers

import (
	"embed"
	"html/template"
	"io/fs"
	"path"
	"strings"
)

// pageSet parses the server-rendered pages under dir: one template set per
// page, made of dir/layout.html plus the page's own file, which defines the
// blocks the layout calls. Pages are found by file name, without ".html".
func pageSet(fsys embed.FS, dir string) map[string]*template.Template {
	layout := template.Must(template.New("layout").ParseFS(fsys, dir+"/layout.html"))
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
