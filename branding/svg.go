package branding

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// SVG logos are parsed with encoding/xml and written out again from an
// allow-list: only drawing elements and presentation attributes survive.
// What could run or fetch anything — scripts, event handlers, foreignObject,
// links, animation, embedded images, style sheets, references to anything
// but a fragment of the same file, DOCTYPEs and entity declarations — makes
// the file refused with a reason rather than silently changed, so the
// vendor knows their logo is not what they uploaded. Editor metadata
// (Inkscape, Illustrator, RDF) and comments are dropped.

const (
	svgNS   = "http://www.w3.org/2000/svg"
	xlinkNS = "http://www.w3.org/1999/xlink"

	maxSVGDepth    = 32
	maxSVGElements = 5000
	maxAttrBytes   = 64 << 10
)

// svgElements are written out; their children are looked at in turn.
var svgElements = map[string]bool{
	"svg": true, "g": true, "defs": true, "title": true, "desc": true, "symbol": true, "use": true,
	"path": true, "rect": true, "circle": true, "ellipse": true, "line": true, "polyline": true, "polygon": true,
	"text": true, "tspan": true, "linearGradient": true, "radialGradient": true, "stop": true,
	"clipPath": true, "mask": true,
}

// textElements are the only ones whose text content is kept.
var textElements = map[string]bool{"text": true, "tspan": true, "title": true, "desc": true}

// refusedElements make the whole file refused, whatever their namespace.
var refusedElements = map[string]string{
	"script": "a script", "foreignobject": "a foreignObject (HTML inside the SVG)", "a": "a link",
	"image": "an embedded image", "feimage": "an embedded image", "iframe": "an iframe", "embed": "an embedded object",
	"object": "an embedded object", "animate": "an animation", "set": "an animation", "animatetransform": "an animation",
	"animatemotion": "an animation", "handler": "an event handler", "listener": "an event handler",
	"style": "a <style> sheet (export it with presentation attributes instead)",
}

// svgAttrs are the attributes kept, all geometry or presentation.
var svgAttrs = map[string]bool{
	"id": true, "x": true, "y": true, "x1": true, "y1": true, "x2": true, "y2": true, "cx": true, "cy": true,
	"r": true, "rx": true, "ry": true, "fx": true, "fy": true, "dx": true, "dy": true, "width": true, "height": true,
	"d": true, "points": true, "viewBox": true, "preserveAspectRatio": true, "transform": true, "version": true,
	"fill": true, "fill-opacity": true, "fill-rule": true, "stroke": true, "stroke-width": true, "stroke-opacity": true,
	"stroke-linecap": true, "stroke-linejoin": true, "stroke-miterlimit": true, "stroke-dasharray": true,
	"stroke-dashoffset": true, "opacity": true, "clip-path": true, "clip-rule": true, "clipPathUnits": true,
	"mask": true, "maskUnits": true, "maskContentUnits": true, "offset": true, "stop-color": true, "stop-opacity": true,
	"gradientUnits": true, "gradientTransform": true, "spreadMethod": true, "font-family": true, "font-size": true,
	"font-weight": true, "font-style": true, "text-anchor": true, "dominant-baseline": true, "letter-spacing": true,
	"display": true, "visibility": true, "color": true, "vector-effect": true, "paint-order": true,
	"shape-rendering": true,
}

var (
	idPattern       = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$`)
	fragmentPattern = regexp.MustCompile(`^#[A-Za-z_][A-Za-z0-9_.:-]{0,63}$`)
	localURLPattern = regexp.MustCompile(`^url\(\s*#[A-Za-z_][A-Za-z0-9_.:-]{0,63}\s*\)$`)
)

// ErrLogo is wrapped by every refusal of a logo; the rest of the message
// says why, in words for the vendor.
var ErrLogo = errors.New("branding: logo")

func refuse(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrLogo, fmt.Sprintf(format, args...))
}

type svgAttr struct{ name, value string }

// SanitizeSVG returns the SVG document b rewritten from the allow-list, or
// an error wrapping ErrLogo. Its output sanitised again is itself.
func SanitizeSVG(b []byte) ([]byte, error) {
	if len(b) > MaxLogoBytes {
		return nil, refuse("is larger than %d KB", MaxLogoBytes>>10)
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	// No CharsetReader: a document declaring anything but UTF-8 fails to
	// parse. No Entity map: only XML's five predefined entities exist.
	var out bytes.Buffer
	var stack []string
	open := false // the last start tag still lacks its ">"
	elements, rootDone := 0, false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, refuse("is not well-formed SVG (%v)", err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return nil, refuse("has a DOCTYPE or entity declarations")
		case xml.ProcInst, xml.Comment:
			// dropped: the XML declaration, style sheet links, comments
		case xml.CharData:
			if len(stack) == 0 || !textElements[stack[len(stack)-1]] {
				if len(bytes.TrimSpace(t)) > 0 && len(stack) == 0 {
					return nil, refuse("has text outside the <svg> element")
				}
				continue
			}
			if open {
				out.WriteByte('>')
				open = false
			}
			xml.EscapeText(&out, t)
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, refuse("is not well-formed SVG")
			}
			name := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if open {
				out.WriteString("/>")
				open = false
			} else {
				out.WriteString("</" + name + ">")
			}
		case xml.StartElement:
			if why, ok := refusedElements[strings.ToLower(t.Name.Local)]; ok {
				return nil, refuse("contains %s", why)
			}
			if rootDone {
				return nil, refuse("has more than one root element")
			}
			if len(stack) == 0 && (t.Name.Space != svgNS || t.Name.Local != "svg") {
				return nil, refuse("is not an SVG image (the root element must be <svg xmlns=\"%s\">)", svgNS)
			}
			if t.Name.Space != svgNS || !svgElements[t.Name.Local] {
				// Editor metadata and anything unknown: dropped whole. Its
				// subtree is still read for refused content.
				if err := refuseInside(d); err != nil {
					return nil, err
				}
				continue
			}
			if elements++; elements > maxSVGElements {
				return nil, refuse("has more than %d elements", maxSVGElements)
			}
			if len(stack) >= maxSVGDepth {
				return nil, refuse("nests elements more than %d deep", maxSVGDepth)
			}
			attrs, err := cleanAttrs(t)
			if err != nil {
				return nil, err
			}
			if open {
				out.WriteByte('>')
			}
			out.WriteString("<" + t.Name.Local)
			if len(stack) == 0 {
				out.WriteString(` xmlns="` + svgNS + `"`)
			}
			for _, a := range attrs {
				out.WriteString(" " + a.name + `="`)
				xml.EscapeText(&out, []byte(a.value))
				out.WriteByte('"')
			}
			open = true
			stack = append(stack, t.Name.Local)
		}
		if len(stack) == 0 && out.Len() > 0 {
			rootDone = true
		}
	}
	if len(stack) != 0 || !rootDone {
		return nil, refuse("is not a complete SVG image")
	}
	return out.Bytes(), nil
}

// refuseInside reads a dropped element's subtree, refusing what would be
// refused anywhere: a hostile element hidden in metadata is still hostile.
func refuseInside(d *xml.Decoder) error {
	for depth := 1; depth > 0; {
		tok, err := d.Token()
		if err != nil {
			return refuse("is not well-formed SVG (%v)", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if why, ok := refusedElements[strings.ToLower(t.Name.Local)]; ok {
				return refuse("contains %s", why)
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.Directive:
			return refuse("has a DOCTYPE or entity declarations")
		}
	}
	return nil
}

// cleanAttrs keeps an element's allowed attributes in document order, with
// declarations of a style attribute turned into presentation attributes
// (which they override, as in CSS).
func cleanAttrs(t xml.StartElement) ([]svgAttr, error) {
	var out []svgAttr
	put := func(name, value string) {
		for i := range out {
			if out[i].name == name {
				out[i].value = value
				return
			}
		}
		out = append(out, svgAttr{name, value})
	}
	var style string
	for _, a := range t.Attr {
		name := a.Name.Local
		if strings.HasPrefix(strings.ToLower(name), "on") {
			return nil, refuse("has an event handler (%s)", name)
		}
		if len(a.Value) > maxAttrBytes {
			return nil, refuse("has an attribute longer than %d KB", maxAttrBytes>>10)
		}
		switch {
		case a.Name.Space == "xmlns" || a.Name.Space == "" && name == "xmlns":
			continue // the output declares its one namespace itself
		case name == "href" && (a.Name.Space == "" || a.Name.Space == xlinkNS):
			if !fragmentPattern.MatchString(strings.TrimSpace(a.Value)) {
				return nil, refuse("refers to something outside the file (href=%q); only #fragment references are allowed", short(a.Value))
			}
			put("href", strings.TrimSpace(a.Value))
			continue
		case a.Name.Space != "":
			continue // inkscape:label, xml:space, sodipodi:…
		case name == "style":
			style = a.Value
			continue
		case !svgAttrs[name]:
			continue
		}
		v, err := cleanValue(name, a.Value)
		if err != nil {
			return nil, err
		}
		if name == "id" && !idPattern.MatchString(v) {
			continue
		}
		put(name, v)
	}
	if strings.ContainsAny(style, `\@{}<>`) || strings.Contains(style, "/*") {
		return nil, refuse("has a style attribute it cannot read safely")
	}
	for _, decl := range strings.Split(style, ";") {
		prop, value, ok := strings.Cut(decl, ":")
		prop, value = strings.TrimSpace(prop), strings.TrimSpace(value)
		if !ok || prop == "" {
			continue
		}
		if !svgAttrs[prop] || prop == "id" || prop == "d" {
			continue
		}
		v, err := cleanValue(prop, value)
		if err != nil {
			return nil, err
		}
		put(prop, v)
	}
	return out, nil
}

// cleanValue refuses an attribute value reaching outside the file.
func cleanValue(name, v string) (string, error) {
	folded := strings.ToLower(strings.Join(strings.Fields(v), ""))
	if strings.Contains(folded, "javascript:") || strings.Contains(folded, "data:") {
		return "", refuse("has a script or data address in %s", name)
	}
	if strings.Contains(folded, "url(") && !localURLPattern.MatchString(strings.TrimSpace(v)) {
		return "", refuse("refers to something outside the file in %s (%q); only url(#fragment) is allowed", name, short(v))
	}
	return v, nil
}

func short(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
